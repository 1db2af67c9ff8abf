"""Trainer cohort page for 500 trainees x 10 modules, as a ratio to a bare signed-in page.

    python bench/cohort.py [--requests 30]

The baseline is the signed-in "Need support now?" page of the same app (session, user load, layout),
measured in the same run, so the ratio says what the progress matrix itself costs.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def timed(client, url: str, count: int) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    from test_trainers import add_trainees, ten_module_content

    from lms import create_app
    from lms.auth.operations import create_user
    from lms.cohorts.roster import create_cohort
    from lms.extensions import db

    from helpers import PASSWORD, base_config, post

    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    app = create_app(
        base_config(
            f"sqlite:///{workdir}/bench.sqlite3",
            CONTENT_DIR=str(ten_module_content(workdir / "content")),
            AUTO_MIGRATE=True,
        )
    )
    with app.app_context():
        trainer = create_user("coach@example.org", PASSWORD, "Coach", "Coach", role="trainer")
        cohort = create_cohort("Bench", "big", date(2027, 1, 1), date(2027, 12, 1), trainer)
        db.session.commit()
        add_trainees(cohort, 500)
        cohort_id = cohort.id
    client = app.test_client()
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    timed(client, "/support", 5)
    timed(client, f"/staff/cohorts/{cohort_id}", 3)
    baseline = timed(client, "/support", args.requests)
    cohort_ms = timed(client, f"/staff/cohorts/{cohort_id}", args.requests)
    print(f"{'signed-in layout page (baseline)':44} {baseline:8.2f} ms")
    print(f"{'cohort page, 500 trainees x 10 modules':44} {cohort_ms:8.2f} ms")
    print(f"cohort page / baseline = {cohort_ms / baseline:5.1f}x")


if __name__ == "__main__":
    main()
