"""No address comes from the request: reset links, certificates, keys and status lists use LMS_PUBLIC_URL.

Attacks from the security assessment (F4): a forged `Host` header, and a forged `X-Forwarded-Host`
behind a proxy (LMS_PROXY_COUNT=1), against the password-reset mail, a certificate claim and the
public documents verifiers cache. None may ever name the attacker's host.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click
import jwt as pyjwt
import pytest
from flask.cli import ScriptInfo, run_command
from sqlalchemy import func, select

from lms import StartupRefused, config, create_app
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.mail import deliver

from certificate_helpers import pass_everything, pdf_text, qr_codes
from helpers import TEST_CONTENT, base_config

EVIL = "evil.example"
FORGED_HOST = {"Host": EVIL}
FORGED_FORWARDED_HOST = {"X-Forwarded-Host": EVIL, "X-Forwarded-For": "203.0.113.9"}
PUBLIC = "https://lms.example.org"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    """A real SMTP server on loopback; yields (port, messages)."""
    from aiosmtpd.controller import Controller

    messages: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            messages.append(envelope.content.decode())
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, messages
    controller.stop()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post_form(client, url: str, data: dict, headers: dict, page: str | None = None):
    """Fetch the form page and post it, both with the attacker's headers; the page's answer if it fails."""
    shown = client.get(page or url, headers=headers)
    if shown.status_code != 200:
        return shown
    return client.post(url, data={**data, "csrf_token": _token(shown.get_data(as_text=True))}, headers=headers)


def _deliver(app) -> None:
    """Send the queued mail now (delivery normally runs after the response, in a thread)."""
    with app.app_context():
        deliver()


@pytest.mark.parametrize("public_url", [PUBLIC, None], ids=["configured", "testing-fallback"])
def test_a_forged_host_gets_400_and_no_reset_mail(app_factory, make_user, inbox, public_url):
    port, messages = inbox
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command", PUBLIC_URL=public_url)
    with app.app_context():
        make_user(email="carol@example.org")
    attacker = app.test_client()
    response = _post_form(attacker, "/account/forgot", {"email": "carol@example.org"}, FORGED_HOST)
    assert response.status_code == 400
    _deliver(app)
    assert messages == []
    # The real owner asking for a link gets one on the configured address (or the fixed local one).
    owner = app.test_client()
    assert _post_form(owner, "/account/forgot", {"email": "carol@example.org"}, {}).status_code == 302
    _deliver(app)
    assert len(messages) == 1
    expected = (public_url or config.DEV_PUBLIC_URL) + "/account/reset/"
    assert expected in messages[0] and EVIL not in messages[0]


@pytest.mark.parametrize("public_url", [PUBLIC, None], ids=["configured", "testing-fallback"])
def test_x_forwarded_host_behind_a_proxy_does_not_reach_the_reset_link(app_factory, make_user, inbox, public_url):
    port, messages = inbox
    app = app_factory(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command", PUBLIC_URL=public_url, PROXY_COUNT=1
    )
    with app.app_context():
        make_user(email="carol@example.org")
    response = _post_form(app.test_client(), "/account/forgot", {"email": "carol@example.org"}, FORGED_FORWARDED_HOST)
    assert response.status_code == 302
    _deliver(app)
    assert len(messages) == 1
    assert (public_url or config.DEV_PUBLIC_URL) + "/account/reset/" in messages[0]
    assert EVIL not in messages[0]


def test_a_host_that_passes_the_check_still_gets_the_public_address(app_factory, make_user, inbox):
    """Links never come from the Host header, even from a host listed in LMS_TRUSTED_HOSTS."""
    port, messages = inbox
    app = app_factory(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command", EXTRA_TRUSTED_HOSTS=["internal.example"]
    )
    with app.app_context():
        make_user(email="carol@example.org")
    response = _post_form(
        app.test_client(), "/account/forgot", {"email": "carol@example.org"}, {"Host": "internal.example"}
    )
    assert response.status_code == 302
    _deliver(app)
    assert f"{PUBLIC}/account/reset/" in messages[0] and "internal.example" not in messages[0]


def test_trusting_x_forwarded_host_must_be_asked_for_and_a_forged_one_is_still_refused(app_factory):
    app = app_factory(PROXY_COUNT=1, PROXY_TRUST_HOST=True)
    client = app.test_client()
    assert client.get("/verify", headers={"X-Forwarded-Host": "lms.example.org"}).status_code == 200
    assert client.get("/verify", headers=FORGED_FORWARDED_HOST).status_code == 400


def _public_documents(client, headers: dict, kid: str) -> dict[str, tuple[int, str]]:
    """What verifiers fetch and cache, decoded: JWTs are unpacked so that their contents can be searched."""
    found = {}
    for url in (
        "/.well-known/jwks.json",
        "/issuer",
        f"/keys/{kid}",
        "/status/revocation",
        "/status/suspension",
        "/status/message",
    ):
        response = client.get(url, headers=headers)
        body = response.get_data(as_text=True)
        if response.mimetype == "application/vc+jwt":
            body = json.dumps(
                [pyjwt.get_unverified_header(body), pyjwt.decode(body, options={"verify_signature": False})]
            )
        found[url] = (response.status_code, body)
    return found


@pytest.mark.parametrize("public_url", [PUBLIC, None], ids=["configured", "testing-fallback"])
def test_a_forged_host_cannot_claim_a_certificate_or_read_the_public_documents(app_factory, make_user, public_url):
    app = app_factory(PUBLIC_URL=public_url)
    with app.app_context():
        user_id = make_user(email="t@example.org").id
    client = app.test_client()
    assert (
        _post_form(
            client, "/account/login", {"email": "t@example.org", "password": "a long enough passphrase"}, {}
        ).status_code
        == 302
    )
    pass_everything(app, client, user_id)
    claimed = _post_form(client, "/courses/sample/certificate", {"holder_name": "Test Person Legal"}, FORGED_HOST)
    assert claimed.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
        kid = db.session.execute(db.text("SELECT kid FROM signing_key")).scalar()
    for url, (status, body) in _public_documents(app.test_client(), FORGED_HOST, kid).items():
        assert status == 400, url
        assert EVIL not in body, url


@pytest.mark.parametrize("public_url", [PUBLIC, None], ids=["configured", "testing-fallback"])
def test_x_forwarded_host_never_reaches_a_certificate_or_the_public_documents(
    app_factory, make_user, tmp_path, public_url
):
    app = app_factory(PUBLIC_URL=public_url, PROXY_COUNT=1)
    base = public_url or config.DEV_PUBLIC_URL
    with app.app_context():
        user_id = make_user(email="t@example.org").id
    client = app.test_client()
    assert (
        _post_form(
            client,
            "/account/login",
            {"email": "t@example.org", "password": "a long enough passphrase"},
            FORGED_FORWARDED_HOST,
        ).status_code
        == 302
    )
    pass_everything(app, client, user_id)
    claimed = _post_form(
        client, "/courses/sample/certificate", {"holder_name": "Test Person Legal"}, FORGED_FORWARDED_HOST
    )
    assert claimed.status_code == 302
    with app.app_context():
        cert = db.session.scalars(select(Certificate)).one()
        token, pdf, cert_id = cert.credential, cert.pdf, cert.id
        kid = db.session.execute(db.text("SELECT kid FROM signing_key")).scalar()
    header = pyjwt.get_unverified_header(token)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    assert header["kid"] == f"{base}/keys/{kid}"
    assert claims["iss"] == f"{base}/issuer" and claims["id"] == f"{base}/verify/{cert_id}"
    assert claims["credentialStatus"]["statusListCredential"] == f"{base}/status/message"
    assert EVIL not in json.dumps([header, claims])
    text = "".join(pdf_text(pdf).split())  # the address wraps across lines
    assert f"Verifyat{base.split('://')[1]}/verify/{cert_id}" in text and EVIL not in text
    assert qr_codes(pdf, tmp_path) == [f"{base}/verify/{cert_id}"]
    detail = client.get(f"/certificates/{cert_id}", headers=FORGED_FORWARDED_HOST).get_data(as_text=True)
    assert f"{base}/verify/{cert_id}" in detail and EVIL not in detail
    for url, (status, body) in _public_documents(app.test_client(), FORGED_FORWARDED_HOST, kid).items():
        assert status == 200, url
        assert EVIL not in body and base in body, url


def test_outside_debug_and_testing_the_app_refuses_to_start_without_lms_public_url(database_uri, monkeypatch):
    monkeypatch.delenv("LMS_PUBLIC_URL", raising=False)
    with pytest.raises(StartupRefused, match="LMS_PUBLIC_URL"):
        create_app(base_config(database_uri, TESTING=False, PUBLIC_URL=None))
    for wrong in (
        "training.example.org",
        "ftp://training.example.org",
        "https://training.example.org/?x=1",
        "https://user@training.example.org",
        "https://training.example.org:99999",
        "https://",
    ):
        with pytest.raises(StartupRefused, match="LMS_PUBLIC_URL"):
            create_app(base_config(database_uri, TESTING=False, PUBLIC_URL=wrong))


def test_in_production_only_the_public_host_and_listed_hosts_are_served(database_uri, monkeypatch):
    monkeypatch.setenv("LMS_PUBLIC_URL", "https://Training.Example.org/")
    monkeypatch.setenv("LMS_TRUSTED_HOSTS", "lb-check.internal, .cdn.example")
    app = create_app({k: v for k, v in base_config(database_uri, TESTING=False).items() if k != "PUBLIC_URL"})
    assert app.config["PUBLIC_URL"] == "https://training.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["training.example.org", "lb-check.internal", ".cdn.example"]
    client = app.test_client()
    assert client.get("/verify", headers={"Host": "training.example.org"}).status_code == 200
    assert client.get("/verify", headers={"Host": "lb-check.internal:8000"}).status_code == 200
    assert client.get("/verify", headers={"Host": "edge.cdn.example"}).status_code == 200
    assert client.get("/verify").status_code == 400, "localhost is not the site in production"
    assert client.get("/verify", headers=FORGED_HOST).status_code == 400
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer: {log.read_text()[-3000:]}")


def _environment(tmp_path: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LMS_PUBLIC_URL", "FLASK_DEBUG", "DATABASE_URL", "LMS_TRUSTED_HOSTS", "LMS_PROXY_COUNT")
    }
    return {**env, "LMS_INSTANCE_PATH": str(tmp_path / "instance"), "LMS_CONTENT_DIR": str(TEST_CONTENT)}


def test_the_readme_quick_start_flask_run_needs_no_configuration(tmp_path):
    """`flask --app lms run` (debug off) serves on its own address; a forged Host still gets 400."""
    port = _free_port()
    log = tmp_path / "flask.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "lms", "run", "--port", str(port)],
            cwd=Path(__file__).parents[1],
            env=_environment(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/issuer", timeout=5) as response:
            assert json.load(response)["id"] == f"http://127.0.0.1:{port}/issuer"
        with urllib.request.urlopen(f"http://localhost:{port}/verify", timeout=5) as response:
            assert response.status == 200
        forged = urllib.request.Request(f"http://127.0.0.1:{port}/issuer", headers={"Host": EVIL})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 400 and EVIL not in refused.value.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_production_server_without_lms_public_url_stops_with_a_message_naming_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{_free_port()}", "lms:create_app()"],
        cwd=Path(__file__).parents[1],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode != 0
    assert "LMS_PUBLIC_URL" in result.stderr + result.stdout


def test_flask_run_links_use_the_servers_own_port_and_loopback_for_an_all_interfaces_bind():
    for params, expected in (
        ({"host": "127.0.0.1", "port": 5000, "cert": None}, "http://127.0.0.1:5000"),
        ({"host": "0.0.0.0", "port": 8080, "cert": None}, "http://127.0.0.1:8080"),
        ({"host": "::", "port": 8081, "cert": None}, "http://127.0.0.1:8081"),
        ({"host": "dev.example", "port": 8443, "cert": "adhoc"}, "https://dev.example:8443"),
    ):
        with click.Context(run_command, info_name="run", obj=ScriptInfo()) as ctx:
            ctx.params = params
            assert config.flask_command_url() == expected
    assert config.flask_command_url() is None, "no flask command: a production server"
