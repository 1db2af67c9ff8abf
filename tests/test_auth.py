"""Accounts: register, sign in and out, change password, sessions, rate limits, CLI."""

from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db

from helpers import PASSWORD, post


def register(client, **fields):
    data = {
        "email": "new@example.org",
        "display_name": "Robin",
        "legal_name": "Robin Q. Public",
        "password": "my own long passphrase",
        "confirm": "my own long passphrase",
        "privacy": "y",
    }
    data.update(fields)
    return post(client, "/account/register", data, page="/account/register")


def test_register_creates_a_trainee_with_a_hashed_password_who_can_sign_in(client, auth):
    response = register(client, email="  New@Example.org ")
    assert response.status_code == 302 and response.location == "/dashboard", "a new account is signed in"
    auth.logout()
    user = db.session.scalar(select(User))
    assert user.email == "new@example.org" and user.role == "trainee" and user.legal_name == "Robin Q. Public"
    assert user.password_hash.startswith("$argon2id$") and "passphrase" not in user.password_hash
    assert user.privacy_accepted_at is not None
    assert auth.login("new@example.org", "my own long passphrase").status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_registration_with_a_known_email_gets_the_neutral_answer_and_signs_nobody_in(app, client, make_user):
    make_user(email="taken@example.org")
    new = register(client, email="fresh@example.org")
    other = app.test_client()
    known = register(other, email="taken@example.org")
    assert (new.status_code, new.location) == (302, "/dashboard")
    assert (known.status_code, known.location) == (302, "/account/login")
    assert other.get(known.location).get_data(as_text=True).count("If this email address was new") == 1
    assert other.get("/dashboard").status_code == 302, "the known email's account is not signed in"
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_registration_needs_the_privacy_notice_accepted(client):
    response = register(client, privacy="")
    assert response.status_code == 422 and "accept the privacy notice" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_register_errors_rerender_the_form_with_input_and_messages(client):
    response = register(client, password="short", confirm="different")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="new@example.org"' in html and 'value="Robin Q. Public"' in html
    assert "Use at least 8 characters" in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert db.session.scalar(select(User)) is None


def test_register_refuses_common_passwords_from_the_bundled_list(client):
    for common in ["password123", "sunshine1", "iloveyou2", "recovery1"]:
        page = register(client, password=common, confirm=common).get_data(as_text=True)
        assert "list of passwords that attackers try" in page, common
    assert db.session.scalar(select(User)) is None


def test_login_and_logout(client, auth, make_user):
    make_user(email="a@example.org")
    assert client.get("/dashboard").status_code == 302
    response = auth.login("A@example.org")
    assert response.status_code == 302 and response.location == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, make_user):
    make_user(email="a@example.org")
    wrong = auth.login("a@example.org", "not the password")
    unknown = auth.login("nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 422
    message = "That email and password do not match an account"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_logout_ends_the_session_even_if_the_cookie_is_replayed(app, client, auth, make_user):
    make_user(email="a@example.org")
    auth.login("a@example.org")
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/dashboard").status_code == 302


def test_change_password_signs_out_other_devices(app, client, auth, make_user):
    make_user(email="a@example.org")
    auth.login("a@example.org")
    other = app.test_client()
    post(other, "/account/login", {"email": "a@example.org", "password": PASSWORD})
    assert other.get("/dashboard").status_code == 200
    response = post(
        client,
        "/account/password",
        {"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
        page="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200, "this device stays signed in"
    assert other.get("/dashboard").status_code == 302, "other devices are signed out"
    auth.logout()
    assert auth.login("a@example.org", "a brand new passphrase").status_code == 302


def test_change_password_checks_the_current_one(client, trainee):
    response = post(
        client,
        "/account/password",
        {"current": "wrong one here", "password": "a brand new passphrase", "confirm": "a brand new passphrase"},
        page="/account/password",
    )
    assert response.status_code == 422 and "not your current password" in response.get_data(as_text=True)


def test_sessions_survive_a_restart(app_factory, client, auth, make_user):
    make_user(email="a@example.org")
    auth.login("a@example.org")
    cookie = client.get_cookie("session").value
    restarted = app_factory().test_client()
    restarted.set_cookie("session", cookie)
    assert restarted.get("/dashboard").status_code == 200


def test_forms_without_a_csrf_token_are_refused(client, make_user):
    make_user(email="a@example.org")
    response = client.post("/account/login", data={"email": "a@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_next_redirects_only_within_the_site(client, make_user):
    make_user(email="a@example.org")
    for target, expected in [
        ("/courses/", "/courses/"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/x", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ]:
        response = post(client, f"/account/login?next={target}", {"email": "a@example.org", "password": PASSWORD})
        assert response.location == expected, target
        post(client, "/account/logout", page="/dashboard")


def test_login_is_rate_limited(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        for _ in range(3):
            assert (
                post(client, "/account/login", {"email": "x@example.org", "password": "wrong password"}).status_code
                == 422
            )
        limited = post(client, "/account/login", {"email": "x@example.org", "password": "wrong password"})
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert "Please wait" in limited.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, auth, make_user):
    user = make_user(email="a@example.org")
    user.active = False
    db.session.commit()
    assert auth.login("a@example.org").status_code == 422


def test_outdated_hash_is_upgraded_on_login(app, auth, make_user):
    from argon2 import PasswordHasher

    user = make_user(email="a@example.org")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(PASSWORD)
    db.session.commit()
    auth.login("a@example.org")
    db.session.refresh(user)
    assert "m=8," in user.password_hash


def test_users_create_cli(runner):
    result = runner.invoke(
        args=["users", "create", "Coach@Example.org", "--role", "trainer", "--name", "Coach"],
        input="a trainer passphrase\na trainer passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created trainer account coach@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    assert user.role == "trainer" and user.display_name == "Coach"
    again = runner.invoke(
        args=["users", "create", "coach@example.org", "--role", "admin", "--password", "another passphrase"]
    )
    assert again.exit_code == 1 and "already exists" in again.output
    weak = runner.invoke(args=["users", "create", "boss@example.org", "--role", "admin", "--password", "short"])
    assert weak.exit_code == 1 and "at least 8" in weak.output


def test_account_page_has_a_plain_title(client, trainee):
    import re

    html = client.get("/account/password").get_data(as_text=True)
    assert re.search(r"<title>Your account · Peer Specialist Training</title>", html)
    assert html.count("Close my account") == 1
