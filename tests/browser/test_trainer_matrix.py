"""The progress matrix on a phone: the summary columns are on screen without scrolling sideways (issue #19)."""

from datetime import date

from sqlalchemy import select
from test_accessibility import sign_in

from helpers import PASSWORD


def test_summary_columns_fit_a_360_px_phone(live_app, page):
    from lms.auth.models import User
    from lms.auth.operations import create_user
    from lms.cohorts.roster import add_member, create_cohort
    from lms.extensions import db

    with live_app.app_context():
        create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        trainee = create_user(
            "robin@example.org", PASSWORD, "Robin Alexandra Quinn-Okafor", "Robin Quinn", privacy_accepted=True
        )
        db.session.flush()
        trainer = db.session.scalar(select(User).where(User.email == "coach@example.org"))
        cohort = create_cohort("Spring", "peer-specialist-core", date(2027, 3, 1), date(2027, 6, 1), trainer)
        add_member(cohort, trainee)
        db.session.commit()
        cohort_id = cohort.id
    page.set_viewport_size({"width": 360, "height": 780})
    base = live_app.config["LIVE_URL"]
    sign_in(page, base, "coach@example.org")
    page.goto(base + f"/staff/cohorts/{cohort_id}")
    for name in ("Trainee", "Complete", "Last active", "Reading", "Live"):
        box = page.get_by_role("columnheader", name=name, exact=True).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, (name, box)
    cell = page.get_by_role("row").nth(1).get_by_role("cell").first.bounding_box()
    assert cell["x"] + cell["width"] <= 360, "the trainee's 'N of M' count is on screen"
