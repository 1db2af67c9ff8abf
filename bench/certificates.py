"""Certificate issue and download speed, as ratios to baselines measured in the same run.

    python bench/certificates.py [--rounds 30]

1. first issue (record + signed credential + PDF + commit) against a render of the same certificate
   HTML as the same tagged PDF/A-3b with its credential attached (`render_pdf`), with the same
   stylesheet and a reused font configuration (target <= 1.3x);
2. a repeat PDF download through the app against the first issue (target >= 100x faster);
3. the cost of the tagged PDF/A-3b against a bare, untagged weasyprint render of the same HTML with the
   credential attached (the certificate PDF before issue #17), in time and size.
Runs on a throwaway SQLite database with the bundled content.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--memory",
        type=int,
        default=0,
        metavar="N",
        help="also issue N more certificates and report the process's memory before and after",
    )
    args = parser.parse_args()

    import weasyprint

    from lms import create_app
    from lms.auth.operations import create_user
    from lms.certificates import pdf as pdfmod
    from lms.certificates.issue import issue, render_certificate_html
    from lms.certificates.pdf import credential_attachment, render_pdf
    from lms.content import catalog
    from lms.extensions import db

    from helpers import BUNDLED_CONTENT, base_config

    workdir = tempfile.mkdtemp(prefix="lms-bench-")
    app = create_app(
        base_config(
            f"sqlite:///{workdir}/bench.sqlite3", CONTENT_DIR=str(BUNDLED_CONTENT), AUTO_MIGRATE=True, PDF_WARM_UP=True
        )
    )
    client = app.test_client()
    with app.test_request_context():
        course = catalog().course("peer-specialist-core")
        users = [
            create_user(
                f"bench{i}@example.org", "bench passphrase", f"Bench {i}", f"Bench Person {i}", privacy_accepted=True
            )
            for i in range(args.rounds + 1)
        ]
        db.session.commit()
        issue(users[-1], catalog(), course, "Warm Up", None)  # the first credential creates the signing key cache
        db.session.commit()

        fonts, css, fetcher = pdfmod._shared(app.static_folder)
        base_url = Path(app.static_folder).as_uri() + "/"
        issued, first, bare, archival, sizes = [], [], [], [], []
        # Alternate the measurements so that drift in the machine's speed affects them alike.
        for user in users[:-1]:
            start = time.perf_counter()
            cert = issue(user, catalog(), course, user.legal_name, None)
            db.session.commit()
            first.append(time.perf_counter() - start)
            issued.append(cert)
            html = render_certificate_html(cert, "https://lms.example.org")
            start = time.perf_counter()
            # The certificate PDF as it was before issue #17: untagged, the credential a plain attachment.
            old_attachment = weasyprint.Attachment(string=cert.credential, name=f"certificate-{cert.id}.jwt")
            plain = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
                stylesheets=[css], font_config=fonts, attachments=[old_attachment]
            )
            bare.append(time.perf_counter() - start)
            attachment = credential_attachment(f"certificate-{cert.id}.jwt", cert.credential, cert.issued_at)
            start = time.perf_counter()
            tagged = render_pdf(html, app.static_folder, [attachment], archival=True)
            archival.append(time.perf_counter() - start)
            sizes.append((len(plain), len(tagged)))
        ids = [c.id for c in issued]
        owner = {c.id: users[i].email for i, c in enumerate(issued)}

    from helpers import (
        PASSWORD,  # noqa: F401  (the bench users have their own password)
        post,
    )

    post(client, "/account/login", {"email": owner[ids[0]], "password": "bench passphrase"})
    downloads = []
    for _ in range(max(200, args.rounds * 5)):
        start = time.perf_counter()
        response = client.get(f"/certificates/{ids[0]}/certificate.pdf")
        downloads.append(time.perf_counter() - start)
        assert response.status_code == 200 and response.data.startswith(b"%PDF")

    if args.memory:
        report_memory(app, args.memory)
    issue_ms, bare_ms, download_ms = median_ms(first), median_ms(bare), median_ms(downloads)
    archival_ms = median_ms(archival)
    plain_kb, tagged_kb = (statistics.median(size[i] for size in sizes) / 1024 for i in (0, 1))
    print(f"{'measure':52} {'median':>10}")
    print(f"{'bare weasyprint render, untagged (the old PDF)':52} {bare_ms:8.1f} ms  {plain_kb:5.1f} KB")
    print(f"{'render as tagged PDF/A-3b + credential (the new PDF)':52} {archival_ms:8.1f} ms  {tagged_kb:5.1f} KB")
    print(f"{'first issue: record + credential + PDF':52} {issue_ms:8.1f} ms")
    print(f"{'repeat PDF download through the app':52} {download_ms:8.2f} ms")
    print()
    ratio_variant = archival_ms / bare_ms
    ratio_issue = issue_ms / archival_ms
    ratio_download = issue_ms / download_ms
    print(f"tagged PDF/A-3b / untagged render = {ratio_variant:5.2f}x  (the new variant's cost; no target)")
    print(
        f"first issue / tagged render   = {ratio_issue:5.2f}x  (target <= 1.3x)  {'OK' if ratio_issue <= 1.3 else 'MISSED'}"
    )
    print(f"first issue / untagged render = {issue_ms / bare_ms:5.2f}x  (the old ratio, for comparison)")
    print(
        f"first issue / repeat download = {ratio_download:7.0f}x  (target >= 100x) {'OK' if ratio_download >= 100 else 'MISSED'}"
    )


def rss_mb() -> float:
    import re

    with open("/proc/self/status") as fh:
        return int(re.search(r"VmRSS:\s+(\d+)", fh.read()).group(1)) / 1024


def report_memory(app, count: int) -> None:
    """Resident memory after warm-up, after half of `count` issues and after all: flat means no growth per PDF."""
    from lms.auth.operations import create_user
    from lms.certificates.issue import issue
    from lms.content import catalog
    from lms.extensions import db

    with app.test_request_context():
        course = catalog().course("peer-specialist-core")
        readings = [rss_mb()]
        for i in range(count):
            user = create_user(f"mem{i}@example.org", "bench passphrase", "M", f"Memory {i}")
            issue(user, catalog(), course, user.legal_name, None)
            db.session.commit()
            db.session.expunge_all()
            if i + 1 in (count // 2, count):
                readings.append(rss_mb())
    print(
        f"process memory: {readings[0]:.0f} MB after warm-up, {readings[1]:.0f} MB after {count // 2} more certificates, "
        f"{readings[2]:.0f} MB after {count}"
    )


if __name__ == "__main__":
    main()
