"""The status script in docs/verifying.md section 2.8, run as a verifier would, against the app's own lists."""

import json
import re
import subprocess
import sys
from pathlib import Path

from certificate_helpers import claim, pass_everything
from helpers import join_cohort_of, post

DOCS = Path(__file__).parent.parent / "docs/verifying.md"


def test_the_documented_status_script_reads_valid_revoked_suspended_and_replaced(
    app, client, trainee, make_user, tmp_path
):
    section = DOCS.read_text().split("### 2.8", 1)[1]
    script = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "status.py").write_text(script)
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
    pass_everything(app, client, trainee.id)
    assert claim(client).status_code == 302
    cert_id = re.search(r"/certificates/([0-9A-Z-]{24})", client.get("/dashboard").get_data(as_text=True)).group(1)
    (tmp_path / "jwks.json").write_text(json.dumps(client.get("/.well-known/jwks.json").get_json()))
    (tmp_path / "cert.jwt").write_text(client.get(f"/api/v1/certificates/{cert_id}/credential").get_data(as_text=True))

    def check() -> str:
        (tmp_path / "status.jwt").write_text(client.get("/status/message").get_data(as_text=True))
        done = subprocess.run(
            [sys.executable, "status.py", "cert.jwt", "status.jwt"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().split(": ", 1)[1]

    page = f"/staff/certificates/{cert_id}"

    def status(action: str, reason: str) -> None:
        response = post(
            coach,
            page,
            {"form": "status", "status-action": action, "status-reason": reason, "status-confirm": "y"},
            page=page,
        )
        assert response.status_code == 302

    assert check() == "valid"
    status("suspend", "Complaint under review")
    assert check() == "suspended"
    status("reinstate", "Resolved")
    assert check() == "valid"
    status("revoke", "Issued in error")
    assert check() == "revoked"


def test_the_documented_pdf_script_extracts_and_checks_the_credential_offline_then_the_status(
    app, client, trainee, tmp_path
):
    section = DOCS.read_text().split("### 2.9", 1)[1].split("### 2.10", 1)[0]
    script = re.search(r"```python\n(import json.*?)```", section, re.S).group(1)
    assert 'ISSUER = "http://127.0.0.1:5078/issuer"' in script
    (tmp_path / "check_pdf.py").write_text(script.replace("http://127.0.0.1:5078", "https://lms.example.org"))
    status_script = re.search(r"```python\n(.*?)```", DOCS.read_text().split("### 2.8", 1)[1], re.S).group(1)
    (tmp_path / "status.py").write_text(status_script)
    pass_everything(app, client, trainee.id)
    assert claim(client).status_code == 302
    cert_id = re.search(r"/certificates/([0-9A-Z-]{24})", client.get("/dashboard").get_data(as_text=True)).group(1)
    (tmp_path / "certificate.pdf").write_bytes(client.get(f"/certificates/{cert_id}/certificate.pdf").data)
    (tmp_path / "jwks.json").write_text(json.dumps(client.get("/.well-known/jwks.json").get_json()))

    done = subprocess.run(
        [sys.executable, "check_pdf.py", "certificate.pdf"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "PDF/A part 3 conformance B"
    assert lines[1] == f"Signature OK: https://lms.example.org/verify/{cert_id}"
    assert lines[2] == "Holder: Test Person Legal"
    assert lines[3].startswith("Status list: https://lms.example.org/status/message index ")
    saved = tmp_path / f"certificate-{cert_id}.jwt"
    assert saved.read_text() == client.get(f"/api/v1/certificates/{cert_id}/credential").get_data(as_text=True)
    (tmp_path / "status.jwt").write_text(client.get("/status/message").get_data(as_text=True))
    status = subprocess.run(
        [sys.executable, "status.py", saved.name, "status.jwt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert status.stdout.strip() == f"{saved.name}: valid"
