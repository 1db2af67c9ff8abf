"""Account security (issue #12): cookies never inherited, per-account throttling, session lifetimes,
reset links and one-time codes, two-factor set-up kept server-side, CSRF failures that explain themselves."""

import re
from datetime import UTC

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db

from helpers import PASSWORD, csrf_token, post


def test_a_post_whose_signed_token_this_process_never_cached_is_checked_in_full(app, client, make_user):
    """Flask-WTF's own check runs on every POST: a token signed elsewhere (another worker, before a
    restart) is accepted, a wrong or missing one is refused with 400, never a 500."""
    from lms.csrf import _signed

    make_user(email="a@example.org")
    post(client, "/account/login", {"email": "a@example.org", "password": PASSWORD})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/dashboard").get_data(as_text=True)).group(
        1
    )
    _signed.clear()  # as in a worker that never rendered a page for this session
    assert client.post("/courses/sample/safety/finish", data={"csrf_token": token + "x"}).status_code == 400
    assert client.post("/courses/sample/safety/finish", data={}).status_code == 400
    _signed.clear()
    assert client.post("/courses/sample/safety/finish", data={"csrf_token": token}).status_code == 302


def test_signing_in_over_plain_http_with_secure_cookies_says_why_it_failed(app_factory, make_user):
    app = app_factory(
        SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, EXTRA_TRUSTED_HOSTS=["192.168.1.20"]
    )  # a LAN address the operator trusts
    with app.app_context():
        make_user(email="a@example.org")
    client = app.test_client()
    page = client.get("http://192.168.1.20/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.delete_cookie("session", domain="192.168.1.20")  # a browser never sends a Secure cookie over http
    refused = client.post(
        "http://192.168.1.20/account/login", data={"csrf_token": token, "email": "a@example.org", "password": PASSWORD}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "https://" in text and "LMS_SECURE_COOKIES=0" in text
    over_https = app.test_client()
    post(
        over_https,
        "https://192.168.1.20/account/login",
        {"email": "a@example.org", "password": "wrong one!"},
        page="https://192.168.1.20/account/login",
    )
    stale = over_https.post(
        "https://192.168.1.20/account/login",
        data={"csrf_token": "stale"},
        headers={"Referer": "https://192.168.1.20/account/login"},
    )
    assert stale.status_code == 400 and "LMS_SECURE_COOKIES" not in stale.get_data(as_text=True)


# F1: a closed account's cookies never sign anyone in, in particular not the next account created.


def _close_account_keeping_cookies(app):
    """Register, sign in with "keep me signed in", keep both cookies, close the account."""
    attacker = app.test_client()
    post(
        attacker,
        "/account/register",
        {
            "email": "eve@example.org",
            "display_name": "Eve",
            "legal_name": "Eve E",
            "password": "eve's long passphrase",
            "confirm": "eve's long passphrase",
            "privacy": "y",
        },
        page="/account/register",
    )
    post(attacker, "/account/logout", page="/dashboard")  # registering signs in; sign in again to be remembered
    post(attacker, "/account/login", {"email": "eve@example.org", "password": "eve's long passphrase", "remember": "y"})
    assert attacker.get("/dashboard").status_code == 200
    kept = {name: attacker.get_cookie(name).value for name in ("session", "remember_token")}
    closed = post(attacker, "/privacy/close-account", {"password": "eve's long passphrase"}, page="/account/password")
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
        post(
            app.test_client(),
            "/account/register",
            {
                "email": "next@example.org",
                "display_name": "Next",
                "legal_name": "Next Person",
                "privacy": "y",
                "password": "a fresh long passphrase",
                "confirm": "a fresh long passphrase",
            },
            page="/account/register",
        )
    elif how == "cli":
        result = runner.invoke(
            args=["users", "create", "next@example.org", "--role", "admin", "--password", "a fresh long passphrase"]
        )
        assert result.exit_code == 0, result.output
    else:
        from datetime import date

        from lms.cohorts.roster import create_cohort

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
        assert replayed.get("/privacy/my-data.json").status_code == 302, (name, how)


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


def test_the_upgrade_keeps_every_row_and_gives_each_account_its_own_token(tmp_path):
    """Rebuilding the tables (AUTOINCREMENT) with foreign keys enforced, as the app runs migrations, must not
    cascade: children of the rebuilt user table keep their rows and references."""
    import flask_migrate
    from flask import Flask
    from sqlalchemy import event, text

    from lms import MIGRATIONS
    from lms.extensions import migrate

    app = Flask("upgrade")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/old.sqlite3"
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        event.listen(db.engine, "connect", lambda connection, _record: connection.execute("PRAGMA foreign_keys=ON"))
        flask_migrate.upgrade(directory=MIGRATIONS, revision="47ae2141f73d")
        for n in (1, 2):
            db.session.execute(
                text(
                    "INSERT INTO user (email, display_name, legal_name, password_hash, role, active, session_version, "
                    f"created_at) VALUES ('u{n}@example.org', 'U', 'U U', 'x', 'trainee', 1, 1, '2026-01-01 00:00:00')"
                )
            )
        db.session.execute(
            text(
                "INSERT INTO password_reset (user_id, token_hash, created_at, expires_at) "
                "VALUES (2, 'h', '2026-01-01 00:00:00', '2026-01-01 02:00:00')"
            )
        )
        db.session.execute(
            text("INSERT INTO audit_event (at, actor_id, action) VALUES ('2026-01-01 00:00:00', 2, 'x')")
        )
        db.session.commit()
        flask_migrate.upgrade(directory=MIGRATIONS, revision="b7e3c1a9d4f2")
        assert db.session.execute(text("SELECT user_id FROM password_reset")).scalar() == 2
        uuid = db.session.execute(text("SELECT uuid FROM user WHERE id = 2")).scalar()
        assert db.session.execute(text("SELECT actor FROM audit_event")).scalar() == f"user:{uuid}"
        tokens = db.session.execute(text("SELECT session_token FROM user")).scalars().all()
        assert len(set(tokens)) == 2 and all(len(t) == 32 for t in tokens)
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1, "enforcement is back on"
        db.session.execute(text("DELETE FROM user WHERE id = 2"))
        assert db.session.execute(text("SELECT count(*) FROM password_reset")).scalar() == 0, "cascades still work"
        db.session.execute(
            text(
                "INSERT INTO user (email, display_name, legal_name, password_hash, role, active, "
                "session_token, uuid, created_at) VALUES ('u3@example.org', 'U', 'U U', 'x', 'trainee', 1, "
                "'t', 'u3', '2026-01-01 00:00:00')"
            )
        )
        assert db.session.execute(text("SELECT id FROM user WHERE email = 'u3@example.org'")).scalar() == 3
        db.session.commit()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="47ae2141f73d")
        assert db.session.execute(text("SELECT count(*) FROM user")).scalar() == 2
        db.engine.dispose()


# F6: per-account back-off, whatever the client address.


def test_rotating_addresses_does_not_escape_the_per_account_pause(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True)  # the per-address limit (10 a minute) is on, as in production
    with app.app_context():
        make_user(email="a@example.org")
    client = app.test_client()

    def attempt(n, email, password):
        return post(
            client,
            "/account/login",
            {"email": email, "password": password},
            environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250 + 1}"},
        )

    answers = [attempt(n, "a@example.org", "wrong horse battery").status_code for n in range(8)]
    assert answers[:5] == [422] * 5 and set(answers[5:]) == {429}, answers
    right = attempt(100, "a@example.org", PASSWORD)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0, "paused even for the right password"
    assert "signing in is paused" in right.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    unknown = [attempt(200 + n, "nobody@example.org", "wrong horse battery").status_code for n in range(8)]
    assert unknown == answers, "an unknown email is paused the same way: no way to tell who has an account"


def test_the_pause_grows_and_a_reset_link_lifts_it(app, client, make_user, runner):
    from datetime import timedelta

    from lms.auth.models import LoginThrottle
    from lms.auth.throttle import password_key
    from lms.clock import utcnow

    make_user(email="a@example.org")
    for n in range(7):
        post(
            client,
            "/account/login",
            {"email": "a@example.org", "password": "wrong horse battery"},
            environ_base={"REMOTE_ADDR": f"10.1.0.{n + 1}"},
        )
        row = db.session.get(LoginThrottle, password_key("a@example.org"), populate_existing=True)
        if row.locked_until is not None:
            row.locked_until = utcnow() - timedelta(seconds=1)  # wait out the pause
            db.session.commit()
    row = db.session.get(LoginThrottle, password_key("a@example.org"), populate_existing=True)
    assert row.failures == 7
    post(client, "/account/login", {"email": "a@example.org", "password": "wrong horse battery"})
    row = db.session.get(LoginThrottle, password_key("a@example.org"), populate_existing=True)
    assert timedelta(minutes=7) < row.locked_until - utcnow() <= timedelta(minutes=8), "1, 2, 4, then 8 minutes"
    assert post(client, "/account/login", {"email": "a@example.org", "password": PASSWORD}).status_code == 429
    link = runner.invoke(args=["users", "reset-link", "a@example.org"]).output.strip().splitlines()[-1]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert (
        post(client, path, {"password": "my new passphrase", "confirm": "my new passphrase"}, page=path).status_code
        == 302
    )
    assert (
        post(client, "/account/login", {"email": "a@example.org", "password": "my new passphrase"}).status_code == 302
    )
    assert client.get("/dashboard").status_code == 200


def _two_factor_user(make_user, email="coach@example.org", role="trainer"):
    import pyotp

    user = make_user(email=email, role=role)
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user, pyotp.TOTP(user.totp_secret)


def test_wrong_codes_from_rotating_addresses_pause_the_accounts_code_step(app, make_user):
    user, totp = _two_factor_user(make_user)
    answers = []
    for n in range(7):
        client = app.test_client()  # a fresh pending sign-in each time, as a botnet would
        post(
            client,
            "/account/login",
            {"email": "coach@example.org", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": f"10.2.0.{n + 1}"},
        )
        wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
        answers.append(
            post(
                client,
                "/account/login/code",
                {"code": wrong},
                page="/account/login/code",
                environ_base={"REMOTE_ADDR": f"10.2.0.{n + 1}"},
            ).status_code
        )
    assert answers == [422] * 5 + [429] * 2, answers
    client = app.test_client()
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    assert post(client, "/account/login/code", {"code": totp.now()}, page="/account/login/code").status_code == 429


def test_a_pending_two_factor_sign_in_expires_and_allows_few_codes(app, make_user, monkeypatch):
    import time

    user, totp = _two_factor_user(make_user)
    client = app.test_client()
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    expired = post(client, "/account/login/code", {"code": totp.now()}, page="/account/login")
    assert expired.status_code == 302 and expired.location == "/account/login"
    assert client.get("/account/login/code").location == "/account/login"
    assert client.get("/dashboard").status_code == 302
    monkeypatch.undo()
    client = app.test_client()
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    for _ in range(5):
        assert post(client, "/account/login/code", {"code": "000000"}, page="/account/login/code").status_code == 422
    spent = post(client, "/account/login/code", {"code": totp.now()}, page="/account/login")
    assert spent.location == "/account/login", "five wrong codes end the pending sign-in"
    assert client.get("/dashboard").status_code == 302


# F9: idle and absolute limits, remember-me for trainees only, two-factor changes end other sessions.


def _signed_in(app, email, password=PASSWORD, **extra):
    client = app.test_client()
    assert post(client, "/account/login", {"email": email, "password": password, **extra}).status_code == 302
    return client


@pytest.mark.parametrize(
    "role, idle_ok, idle_out, absolute",
    [("trainer", 25 * 60, 31 * 60, 12 * 3600), ("trainee", 110 * 60, 121 * 60, 7 * 86400)],
)
def test_sessions_end_after_the_idle_and_absolute_limits(
    app, make_user, monkeypatch, role, idle_ok, idle_out, absolute
):
    import time

    make_user(email="a@example.org", role=role)
    start = time.time()
    clock = [start]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    client = _signed_in(app, "a@example.org")
    page = "/staff/" if role == "trainer" else "/dashboard"
    clock[0] = start + idle_ok
    assert client.get(page).status_code == 200, "active within the idle limit"
    clock[0] = start + idle_ok + idle_out
    assert client.get(page).status_code == 302, "idle too long"
    client = _signed_in(app, "a@example.org")
    signed_in_at = clock[0]
    while clock[0] < signed_in_at + absolute - idle_ok:  # busy all along, never idle
        clock[0] += idle_ok
        assert client.get(page).status_code == 200
    clock[0] = signed_in_at + absolute + 1
    assert client.get(page).status_code == 302, "past the absolute limit"


def test_remember_me_is_for_trainees_only_and_lasts_30_days(app, make_user, monkeypatch):
    import time

    make_user(email="t@example.org")
    make_user(email="coach@example.org", role="trainer")
    coach = _signed_in(app, "coach@example.org", remember="y")
    assert coach.get_cookie("remember_token") is None, "staff are never remembered"
    trainee = _signed_in(app, "t@example.org", remember="y")
    cookie = trainee.get_cookie("remember_token")
    from datetime import datetime, timezone

    days = (
        (cookie.expires - datetime.now(UTC)).days
        if cookie.expires.tzinfo
        else (cookie.expires - datetime.utcnow()).days
    )
    assert 29 <= days <= 30
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 20 * 86400)
    restored = _replay(app, "remember_token", cookie.value)
    assert restored.get("/dashboard").status_code == 200, "a new browser session on the same device, 20 days later"
    monkeypatch.setattr(time, "time", lambda: start + 31 * 86400)
    assert _replay(app, "remember_token", cookie.value).get("/dashboard").status_code == 302, (
        "refused by the server too"
    )


def test_turning_two_factor_on_or_off_signs_out_other_devices(app, make_user):
    import pyotp

    make_user(email="coach@example.org", role="trainer")
    here, elsewhere = _signed_in(app, "coach@example.org"), _signed_in(app, "coach@example.org")
    post(here, "/account/two-factor", {"start-submit": "y"}, page="/account/two-factor")
    secret = db.session.scalar(select(User.totp_pending).where(User.email == "coach@example.org"))
    assert (
        post(here, "/account/two-factor", {"code": pyotp.TOTP(secret).now()}, page="/account/two-factor").status_code
        == 302
    )
    assert here.get("/staff/").status_code == 200, "this device stays signed in"
    assert elsewhere.get("/staff/").status_code == 302, "other devices are signed out"
    elsewhere = app.test_client()
    post(elsewhere, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    user = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    user.totp_last_step = None
    db.session.commit()
    assert (
        post(
            elsewhere, "/account/login/code", {"code": pyotp.TOTP(secret).now()}, page="/account/login/code"
        ).status_code
        == 302
    )
    assert (
        post(here, "/account/two-factor/off", {"off-password": PASSWORD}, page="/account/password").status_code == 302
    )
    assert db.session.scalar(select(User.totp_secret).where(User.email == "coach@example.org")) is None
    assert here.get("/staff/").status_code == 200
    assert elsewhere.get("/staff/").status_code == 302


# F17: reset links and one-time codes.


def _reset_path(runner, email):
    link = runner.invoke(args=["users", "reset-link", email]).output.strip().splitlines()[-1]
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_completed_reset_or_a_password_change_ends_every_other_reset_link(app, client, make_user, runner):
    make_user(email="a@example.org")
    first, second, third = (_reset_path(runner, "a@example.org") for _ in range(3))
    assert (
        post(client, second, {"password": "my new passphrase", "confirm": "my new passphrase"}, page=second).status_code
        == 302
    )
    assert client.get(first).status_code == 404 and client.get(third).status_code == 404
    fourth = _reset_path(runner, "a@example.org")
    signed_in = _signed_in(app, "a@example.org", "my new passphrase")
    changed = post(
        signed_in,
        "/account/password",
        {"current": "my new passphrase", "password": "another passphrase here", "confirm": "another passphrase here"},
        page="/account/password",
    )
    assert changed.status_code == 302
    assert client.get(fourth).status_code == 404


def test_a_code_is_checked_with_the_account_row_locked(app, make_user):
    """Two requests with the same code cannot both pass: the row is read FOR UPDATE on PostgreSQL (SQLite's
    writing requests take the database's write lock from their start)."""
    from sqlalchemy import event

    user, totp = _two_factor_user(make_user)
    client = app.test_client()
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    token = csrf_token(client, "/account/login/code")
    seen = []
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.post("/account/login/code", data={"code": totp.now(), "csrf_token": token}).status_code == 302
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    reads = [s for s in seen if s.lstrip().startswith("SELECT") and "totp_secret" in s]
    assert reads, seen
    if db.engine.dialect.name == "postgresql":
        assert all("FOR UPDATE" in s for s in reads), reads
    replay = app.test_client()
    post(replay, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    assert post(replay, "/account/login/code", {"code": totp.now()}, page="/account/login/code").status_code == 422


def test_the_readme_recommends_requiring_two_factor_for_staff():
    from pathlib import Path

    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert "We recommend requiring two-factor sign-in for staff" in readme
    assert "`LMS_SECURE_COOKIES` | off" not in readme, "cookies are Secure by default outside debug"


# F14: the set-up secret stays on the server; imported trainees accept the privacy notice first.


def test_the_two_factor_set_up_secret_is_never_in_the_session_cookie(app, make_user):
    make_user(email="coach@example.org", role="trainer")
    coach = _signed_in(app, "coach@example.org")
    post(coach, "/account/two-factor", {"start-submit": "y"}, page="/account/two-factor")
    page = coach.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'Key: <span class="mono">([A-Z2-7]+)</span>', page).group(1)
    assert db.session.scalar(select(User.totp_pending).where(User.email == "coach@example.org")) == secret
    contents = repr(app.session_interface.get_signing_serializer(app).loads(coach.get_cookie("session").value))
    assert secret not in contents and "2fa_setup" not in contents


def test_an_imported_trainee_accepts_the_privacy_notice_at_first_sign_in(app, client, make_user):
    from lms.audit import AuditEvent

    imported = make_user(email="imported@example.org", privacy_accepted=False)
    post(client, "/account/login", {"email": "imported@example.org", "password": PASSWORD})
    for page in ("/dashboard", "/courses/sample/safety/"):
        response = client.get(page)
        assert response.status_code == 302 and response.location.startswith("/account/privacy"), page
    assert client.get("/privacy").status_code == 200, "the notice itself can be read"
    data = client.get("/privacy/my-data.json")
    assert data.status_code == 200, "and their data taken"
    assert imported.session_token not in data.get_data(as_text=True), "the cookie token is not part of the export"
    refused = post(client, "/account/privacy?next=/courses/sample/safety/", {}, page="/account/privacy")
    assert refused.status_code == 422 and "accept the privacy notice" in refused.get_data(as_text=True)
    accepted = post(client, "/account/privacy?next=/courses/sample/safety/", {"privacy": "y"}, page="/account/privacy")
    assert accepted.status_code == 302 and accepted.location == "/courses/sample/safety/"
    assert client.get("/dashboard").status_code == 200
    db.session.refresh(imported)
    assert imported.privacy_accepted_at is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.privacy_accepted")) is not None


def test_one_code_sent_twice_at_once_signs_in_only_once(app, make_user):
    import threading

    user, totp = _two_factor_user(make_user)
    clients = [app.test_client() for _ in range(4)]
    tokens = []
    for client in clients:
        post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
        tokens.append(csrf_token(client, "/account/login/code"))
    code, start, answers = totp.now(), threading.Barrier(len(clients)), []

    def send(client, token):
        start.wait()
        answers.append(client.post("/account/login/code", data={"code": code, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302, 422, 422, 422], answers


def test_signing_out_other_devices_keeps_this_one(app, make_user):
    make_user(email="t@example.org")
    here = _signed_in(app, "t@example.org")
    elsewhere = _signed_in(app, "t@example.org", remember="y")
    remembered = elsewhere.get_cookie("remember_token").value
    assert post(here, "/account/sessions/end-others", page="/account/password").location == "/account/password"
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302
    assert _replay(app, "remember_token", remembered).get("/dashboard").status_code == 302
