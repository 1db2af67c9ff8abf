"""The status script in docs/verifying.md section 2.8, run as a verifier would, against the app's own lists."""
import json
import re
import subprocess
import sys
from pathlib import Path

from certificate_helpers import claim, pass_everything
from helpers import join_cohort_of, post

DOCS = Path(__file__).parent.parent / "docs/verifying.md"


def test_the_documented_status_script_reads_valid_revoked_suspended_and_replaced(app, client, trainee, make_user,
                                                                                  tmp_path):
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
        done = subprocess.run([sys.executable, "status.py", "cert.jwt", "status.jwt"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().split(": ", 1)[1]

    page = f"/staff/certificates/{cert_id}"

    def status(action: str, reason: str) -> None:
        response = post(coach, page, {"form": "status", "status-action": action, "status-reason": reason}, page=page)
        assert response.status_code == 302

    assert check() == "valid"
    status("suspend", "Complaint under review")
    assert check() == "suspended"
    status("reinstate", "Resolved")
    assert check() == "valid"
    status("revoke", "Issued in error")
    assert check() == "revoked"
