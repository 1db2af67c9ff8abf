"""Join links through sign-up: a signed-out person is told which cohort, registers or signs in, and is in it."""

import re
from html import unescape

from sqlalchemy import func, select
from test_trainers import make_cohort

from lms.auth.models import User
from lms.cohorts.models import CohortMember
from lms.extensions import db
from lms.mail import OutboxMail

from helpers import PASSWORD, post

NEW = {
    "display_name": "Casey",
    "legal_name": "Casey Q. New",
    "password": "my own long passphrase",
    "confirm": "my own long passphrase",
    "privacy": "y",
}


def members() -> int:
    return db.session.scalar(select(func.count()).select_from(CohortMember))


def register(client, email, next_=None):
    url = "/account/register" + (f"?next={next_}" if next_ else "")
    return post(client, url, {"email": email, **NEW}, page=url)


def test_a_join_link_opened_signed_out_names_the_cohort_and_the_new_account_joins_after_registering(
    app, make_user, client
):
    make_user(email="coach@example.org", role="trainer")
    cohort = make_cohort("Spring 2027, Tuesday evenings")
    invite = client.get(f"/join/{cohort.join_code.lower()}")
    html = unescape(invite.get_data(as_text=True))
    assert invite.status_code == 200
    assert "You've been invited to join" in html and "Spring 2027, Tuesday evenings" in html and "Sample Course" in html
    assert f'href="/account/register?next=/join/{cohort.join_code}"' in html
    form = re.sub(
        r"<[^>]+>", "", unescape(client.get(f"/account/register?next=/join/{cohort.join_code}").get_data(as_text=True))
    )
    assert "You're joining Spring 2027, Tuesday evenings" in form
    registered = register(client, "casey@example.org", f"/join/{cohort.join_code}")
    assert registered.status_code == 302 and registered.location == f"/join/{cohort.join_code}"
    back = client.get(registered.location)
    assert back.status_code == 302 and back.location == "/courses/sample/"
    assert members() == 1
    course = unescape(client.get(back.location).get_data(as_text=True))
    assert "You joined “Spring 2027, Tuesday evenings”." in course


def test_a_join_link_opened_signed_out_joins_after_signing_in_to_an_existing_account(app, make_user, client):
    make_user(email="coach@example.org", role="trainer")
    make_user(email="jo@example.org")
    cohort = make_cohort()
    client.get(f"/join/{cohort.join_code}")
    signed_in = post(
        client, f"/account/login?next=/join/{cohort.join_code}", {"email": "jo@example.org", "password": PASSWORD}
    )
    assert signed_in.location == f"/join/{cohort.join_code}"
    assert client.get(signed_in.location).location == "/courses/sample/"
    assert members() == 1


def test_a_new_email_is_signed_in_after_registering(client):
    response = register(client, "fresh@example.org")
    assert response.status_code == 302 and response.location == "/dashboard"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and "Your account is ready, and you are signed in." in dashboard.get_data(
        as_text=True
    )


def test_an_existing_email_gets_the_neutral_answer_is_not_signed_in_and_does_not_join(app, app_factory, make_user):
    make_user(email="coach@example.org", role="trainer")
    make_user(email="taken@example.org")
    cohort = make_cohort()
    client = app.test_client()
    client.get(f"/join/{cohort.join_code}")
    response = register(client, "Taken@example.org", f"/join/{cohort.join_code}")
    assert response.status_code == 302 and response.location == f"/account/login?next=/join/{cohort.join_code}"
    assert "If this email address was new" in client.get(response.location).get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302, "not signed in to somebody else's account"
    assert client.get(f"/join/{cohort.join_code}").status_code == 200 and members() == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0, "no mail without a mail server"


def test_an_existing_owner_is_emailed_when_someone_registers_with_their_address(app_factory):
    from lms.auth.operations import create_user

    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_DELIVERY="command")
    with app.app_context():
        create_user("taken@example.org", PASSWORD, "T", "T L", privacy_accepted=True)
        db.session.commit()
        client = app.test_client()
        register(client, "taken@example.org")
        mail = db.session.scalar(select(OutboxMail))
        assert mail.recipient == "taken@example.org" and "already has an account" in mail.body


def test_a_crafted_register_link_does_not_join_a_cohort_the_person_never_saw(app, make_user, client):
    make_user(email="coach@example.org", role="trainer")
    cohort = make_cohort("Someone else's cohort")
    registered = register(client, "victim@example.org", f"/join/{cohort.join_code}")
    page = client.get(registered.location)
    assert page.status_code == 200 and "Someone else" in unescape(page.get_data(as_text=True))
    assert members() == 0, "only a press of Join (or an invitation they saw) adds them"


def test_an_unknown_join_code_signed_out_is_a_clear_404_and_an_offsite_next_is_refused(client):
    response = client.get("/join/NOSUCH99")
    assert response.status_code == 404 and "No cohort has that code" in response.get_data(as_text=True)
    assert register(client, "x@example.org", "//evil.example/join").location == "/dashboard"


def test_joining_itself_needs_an_account(app, make_user, client):
    make_user(email="coach@example.org", role="trainer")
    cohort = make_cohort()
    client.get(f"/join/{cohort.join_code}")
    response = post(client, "/join", {"code": cohort.join_code})
    assert response.status_code == 302 and response.location.startswith("/account/login?next=/join")
    assert members() == 0
