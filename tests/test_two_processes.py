"""Two app processes on one database, as behind a load balancer: nothing lives in a process.

A certificate issued through one verifies through the other; a session from one works on the
other; signing out on one ends the session on both."""

import json

import pytest

from helpers import PASSWORD
from load_support import Browser, Server
from test_load import small_course, trainee_journey


@pytest.mark.slow
def test_two_app_processes_share_sessions_certificates_and_logout(app, make_user, database_uri, tmp_path):
    content = small_course(tmp_path)
    make_user(email="two@example.org")
    from lms.extensions import db

    db.session.commit()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        Server(database_uri, content, tmp_path / "a", workers=1) as first,
        Server(database_uri, content, tmp_path / "b", workers=1) as second,
    ):
        trainee_journey(first.url, "two@example.org")  # completes the course and claims the certificate on the first
        browser = Browser(first.url)
        browser.login("two@example.org", PASSWORD)
        status, dashboard, _ = browser.get("/dashboard")
        import re

        cert_id = re.search(r"/certificates/([0-9A-Z-]{24})/certificate\.pdf", dashboard).group(1)
        verifier = Browser(second.url)
        status, body, _ = verifier.get(f"/api/v1/certificates/{cert_id}")
        assert status == 200 and json.loads(body)["status"] == "valid"
        # The same session cookie, presented to the other process.
        browser.base = second.url
        assert browser.get("/dashboard")[0] == 200
        # Keep a copy of the signed-in cookies, sign out through the first process, replay the copy on the second.
        stolen = Browser(second.url)
        for cookie in list(browser.jar):
            stolen.jar.set_cookie(cookie)
        assert stolen.get("/dashboard")[0] == 200
        browser.base = first.url
        browser.post("/account/logout", page="/dashboard")
        assert stolen.get("/dashboard")[0] == 302, "signing out on one process ends the session on both"
