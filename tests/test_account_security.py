"""Account security (issue #12): cookies never inherited, per-account throttling, session lifetimes,
reset links and one-time codes, two-factor set-up kept server-side, CSRF failures that explain themselves."""
import re

import pytest

from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db

from helpers import PASSWORD, post


def test_a_post_whose_signed_token_this_process_never_cached_is_checked_in_full(app, client, make_user):
    """Flask-WTF's own check runs on every POST: a token signed elsewhere (another worker, before a
    restart) is accepted, a wrong or missing one is refused with 400, never a 500."""
    from lms.csrf import _signed

    make_user(email="a@example.org")
    post(client, "/account/login", {"email": "a@example.org", "password": PASSWORD})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/dashboard").get_data(as_text=True)).group(1)
    _signed.clear()  # as in a worker that never rendered a page for this session
    assert client.post("/courses/sample/safety/finish", data={"csrf_token": token + "x"}).status_code == 400
    assert client.post("/courses/sample/safety/finish", data={}).status_code == 400
    _signed.clear()
    assert client.post("/courses/sample/safety/finish", data={"csrf_token": token}).status_code == 302


def test_signing_in_over_plain_http_with_secure_cookies_says_why_it_failed(app_factory, make_user):
    app = app_factory(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    with app.app_context():
        make_user(email="a@example.org")
    client = app.test_client()
    page = client.get("http://192.168.1.20/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.delete_cookie("session", domain="192.168.1.20")  # a browser never sends a Secure cookie over http
    refused = client.post("http://192.168.1.20/account/login",
                          data={"csrf_token": token, "email": "a@example.org", "password": PASSWORD})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "https://" in text and "LMS_SECURE_COOKIES=0" in text
    over_https = app.test_client()
    post(over_https, "https://192.168.1.20/account/login", {"email": "a@example.org", "password": "wrong one!"},
         page="https://192.168.1.20/account/login")
    stale = over_https.post("https://192.168.1.20/account/login", data={"csrf_token": "stale"},
                            headers={"Referer": "https://192.168.1.20/account/login"})
    assert stale.status_code == 400 and "LMS_SECURE_COOKIES" not in stale.get_data(as_text=True)


# F1: a closed account's cookies never sign anyone in, in particular not the next account created.

def _close_account_keeping_cookies(app):
    """Register, sign in with "keep me signed in", keep both cookies, close the account."""
    attacker = app.test_client()
    post(attacker, "/account/register", {"email": "eve@example.org", "display_name": "Eve", "legal_name": "Eve E",
                                         "password": "eve's long passphrase", "confirm": "eve's long passphrase",
                                         "privacy": "y"}, page="/account/register")
    post(attacker, "/account/login", {"email": "eve@example.org", "password": "eve's long passphrase", "remember": "y"})
    assert attacker.get("/dashboard").status_code == 200
    kept = {name: attacker.get_cookie(name).value for name in ("session", "remember_token")}
    closed = post(attacker, "/account/delete", {"password": "eve's long passphrase"}, page="/account/password")
    assert closed.status_code == 302 and db.session.scalar(select(User).where(User.email == "eve@example.org")) is None
    return kept


def _replay(app, name, value):
    replayed = app.test_client()
    replayed.set_cookie(name, value)
    return replayed


@pytest.mark.parametrize("how", ["registration", "cli", "csv import"])
def test_a_closed_accounts_cookies_never_sign_in_as_the_next_account(app, runner, make_user, tmp_path, how):
    make_user(email="first@example.org")
    kept = _close_account_keeping_cookies(app)
    for name, value in kept.items():
        assert _replay(app, name, value).get("/dashboard").status_code == 302, name
    if how == "registration":
        post(app.test_client(), "/account/register", {
            "email": "next@example.org", "display_name": "Next", "legal_name": "Next Person", "privacy": "y",
            "password": "a fresh long passphrase", "confirm": "a fresh long passphrase"}, page="/account/register")
    elif how == "cli":
        result = runner.invoke(args=["users", "create", "next@example.org", "--role", "admin",
                                     "--password", "a fresh long passphrase"])
        assert result.exit_code == 0, result.output
    else:
        from datetime import date

        from lms.trainers.cohorts import create_cohort

        coach = make_user(email="coach@example.org", role="trainer")
        create_cohort("Evening", "sample", date(2026, 9, 1), date(2026, 12, 1), coach)
        db.session.commit()
        roster = tmp_path / "roster.csv"
        roster.write_text("next@example.org,Next,Next Person\n")
        result = runner.invoke(args=["users", "import", str(roster), "--cohort", "Evening"])
        assert result.exit_code == 0, result.output
    newcomer = db.session.scalar(select(User).where(User.email == "next@example.org"))
    assert newcomer is not None
    for name, value in kept.items():
        replayed = _replay(app, name, value)
        response = replayed.get("/dashboard")
        assert response.status_code == 302 and response.location.startswith("/account/login"), (name, how)
        assert replayed.get("/account/data.json").status_code == 302, (name, how)


def test_sqlite_never_hands_out_a_deleted_rows_id_again(app, make_user):
    """Every table is AUTOINCREMENT on SQLite (PostgreSQL sequences never go back)."""
    make_user(email="one@example.org")
    last = make_user(email="two@example.org")
    gone = last.id
    db.session.delete(last)
    db.session.commit()
    assert make_user(email="three@example.org").id > gone
    if db.engine.dialect.name == "sqlite":
        from sqlalchemy import text

        tables = dict(db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        integer_keyed = {name for name, sql in tables.items() if re.search(r"\(\s*id INTEGER NOT NULL", sql)}
        assert {"user", "attempt", "audit_event", "password_reset"} <= integer_keyed
        assert [name for name in integer_keyed if "AUTOINCREMENT" not in tables[name]] == []
