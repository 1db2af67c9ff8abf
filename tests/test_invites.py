"""Trainers make invite links for their own cohort's imported trainees (issue #19, UX review item 5)."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from lms.audit import AuditEvent
from lms.auth.models import PasswordReset, User
from lms.clock import utcnow
from lms.cohorts.roster import add_member, create_cohort, import_roster
from lms.extensions import db

from helpers import PASSWORD, post

ROSTER = "email,display name,legal name\nsky@example.org,Sky,Sky Imported\nriver@example.org,River,River Imported\n"


@pytest.fixture
def world(app, make_user):
    """Coach runs Spring (Sky and River imported, Robin registered); Other runs Autumn (Ash imported)."""
    coach = make_user(email="coach@example.org", role="trainer")
    other = make_user(email="other@example.org", role="trainer")
    make_user(email="robin@example.org", display_name="Robin")
    spring = create_cohort("Spring", "sample", date(2027, 3, 1), date(2027, 6, 1), coach)
    autumn = create_cohort("Autumn", "sample", date(2027, 9, 1), date(2027, 12, 1), other)
    import_roster(spring, ROSTER, coach.id)
    add_member(spring, db.session.scalar(select(User).where(User.email == "robin@example.org")))
    import_roster(autumn, "ash@example.org,Ash,Ash Imported\n", other.id)
    db.session.commit()
    ids = {u.email.split("@")[0]: u.id for u in db.session.scalars(select(User))}
    return {"spring": spring.id, "autumn": autumn.id, **ids}


def signed_in(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


def make_links(client, cohort_id, trainees, days="14"):
    page = f"/staff/cohorts/{cohort_id}/invites"
    return post(client, page, {"trainees": [str(t) for t in trainees], "days": days}, page=page)


def links_in(html: str) -> dict[str, str]:
    """Trainee name -> invite link, from the page that shows them."""
    names = re.findall(r"<h2>([^<]+)</h2>", html)
    urls = re.findall(r'class="copy-field" type="text" readonly value="([^"]+)"', html)
    return dict(zip((unescape(n) for n in names), urls))


def test_a_trainer_lists_only_their_cohorts_trainees_who_have_not_signed_in(app, world):
    coach = signed_in(app, "coach@example.org")
    html = coach.get(f"/staff/cohorts/{world['spring']}/invites").get_data(as_text=True)
    assert "Sky" in html and "River" in html and "no link yet" in html
    assert "robin@example.org" not in html, "an account its owner made is never offered"
    assert 'name="days"' in html and 'value="14"' in html
    assert "make invite links" in coach.get(f"/staff/cohorts/{world['spring']}").get_data(as_text=True)


def test_an_invite_link_lets_the_trainee_set_a_password_and_sign_in_once(app, world):
    coach = signed_in(app, "coach@example.org")
    response = make_links(coach, world["spring"], [world["sky"], world["river"]], days="21")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = links_in(html)
    assert set(links) == {"Sky", "River"} and all(
        u.startswith("https://lms.example.org/account/reset/") for u in links.values()
    )
    assert 'data-copy="Copy link"' in html and "data-print" in html and "Print" in html
    expiry = db.session.scalar(select(PasswordReset.expires_at).where(PasswordReset.user_id == world["sky"]))
    assert timedelta(days=20, hours=23) < expiry - utcnow() <= timedelta(days=21)
    sky = app.test_client()
    path = links["Sky"].removeprefix("https://lms.example.org")
    assert sky.get(path).status_code == 200
    assert (
        post(sky, path, {"password": "sky's own passphrase", "confirm": "sky's own passphrase"}, page=path).status_code
        == 302
    )
    assert sky.get(path).status_code == 404, "single use"
    signed = post(sky, "/account/login", {"email": "sky@example.org", "password": "sky's own passphrase"})
    assert signed.status_code == 302 and "/account/login" not in signed.location


def test_making_a_new_link_stops_the_older_one_and_is_audited(app, world):
    coach = signed_in(app, "coach@example.org")
    first = links_in(make_links(coach, world["spring"], [world["sky"]]).get_data(as_text=True))["Sky"]
    second = links_in(make_links(coach, world["spring"], [world["sky"]], days="3").get_data(as_text=True))["Sky"]
    visitor = app.test_client()
    assert visitor.get(first.removeprefix("https://lms.example.org")).status_code == 404
    assert visitor.get(second.removeprefix("https://lms.example.org")).status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort.invites_created")).all()
    assert len(events) == 2 and events[-1].details == {"days": 3, "trainees": [world["sky"]]}
    assert "has a link until" in coach.get(f"/staff/cohorts/{world['spring']}/invites").get_data(as_text=True)


@pytest.mark.parametrize("days", ["0", "31", "-1", "abc", "", "99999999999999999999"])
def test_days_out_of_range_re_render_the_form_with_a_message(app, world, days):
    coach = signed_in(app, "coach@example.org")
    response = make_links(coach, world["spring"], [world["sky"]], days=days)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a number of days from 1 to 30." in html or "Not a valid integer value." in html
    assert db.session.scalar(select(PasswordReset.id)) is None


def test_no_trainee_chosen_is_a_clear_error(app, world):
    coach = signed_in(app, "coach@example.org")
    response = make_links(coach, world["spring"], [])
    assert response.status_code == 422 and "Choose at least one trainee." in response.get_data(as_text=True)


def test_a_trainer_of_another_cohort_is_refused_with_404(app, world):
    other = signed_in(app, "other@example.org")
    page = f"/staff/cohorts/{world['spring']}/invites"
    assert other.get(page).status_code == 404
    response = post(other, page, {"trainees": [str(world["sky"])], "days": "14"}, page="/staff/")
    assert response.status_code == 404
    assert db.session.scalar(select(PasswordReset.id)) is None


def test_a_trainee_outside_the_cohort_or_who_made_their_own_account_cannot_be_invited(app, world):
    coach = signed_in(app, "coach@example.org")
    for target in (world["ash"], world["robin"], world["coach"], world["other"]):
        response = make_links(coach, world["spring"], [target])
        assert response.status_code == 422, target
    assert db.session.scalar(select(PasswordReset.id)) is None, "no link for an account the trainer could take over"


def test_trainees_and_signed_out_visitors_cannot_make_links(app, world):
    page = f"/staff/cohorts/{world['spring']}/invites"
    assert app.test_client().get(page).status_code == 302
    robin = signed_in(app, "robin@example.org")
    assert robin.get(page).status_code == 403
