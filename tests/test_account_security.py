"""Account security (issue #12): cookies never inherited, per-account throttling, session lifetimes,
reset links and one-time codes, two-factor set-up kept server-side, CSRF failures that explain themselves."""
import re

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
