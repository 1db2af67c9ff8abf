"""Shared test helpers: settings, content folders, and posting forms with a CSRF token."""

import re
from pathlib import Path
from textwrap import dedent

HERE = Path(__file__).parent
TEST_CONTENT = HERE / "content"
BUNDLED_CONTENT = HERE.parent / "content"
PASSWORD = "a long enough passphrase"
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def base_config(database_uri: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "CONTENT_DIR": str(TEST_CONTENT),
        "AUTO_MIGRATE": False,
        "RATELIMIT_ENABLED": False,
        "ARGON2_PARAMETERS": CHEAP_ARGON2,
        "PDF_WARM_UP": False,
        "PUBLIC_URL": "https://lms.example.org",
    }
    config.update(overrides)
    return config


def csrf_token(client, page: str = "/account/login") -> str:
    """A valid CSRF token for this client's session, read from a page with a form."""
    html = client.get(page).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        html = client.get("/dashboard").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(client, url: str, data: dict | None = None, page: str = "/account/login", **kwargs):
    """POST a form the way a browser does: with the CSRF token from a page."""
    form = dict(data or {})
    form["csrf_token"] = csrf_token(client, page)
    return client.post(url, data=form, **kwargs)


COURSE = """\
---
title: T
modules: [m]
---
Body.
"""
LESSON = """\
---
title: M
---
# M

Text.
"""


def write_content(root: Path, files: dict[str, str]) -> Path:
    """Write a content folder: a minimal valid course and module, overridden by `files`."""
    defaults = {"courses/t.md": COURSE, "modules/m/index.md": LESSON}
    for rel, text in {**defaults, **files}.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text) if text.startswith("\n") else text)
    return root


def join_cohort_of(trainer_email: str, *trainee_ids: int) -> None:
    """Put trainees in a cohort the trainer runs (made on first use): trainers see only their cohorts' trainees."""
    from datetime import date

    from sqlalchemy import select

    from lms.auth.models import User
    from lms.cohorts.roster import add_member, create_cohort, visible_cohorts
    from lms.extensions import db

    trainer = db.session.scalar(select(User).where(User.email == trainer_email))
    cohorts = visible_cohorts(trainer)
    cohort = (
        cohorts[0]
        if cohorts
        else create_cohort(f"Cohort of {trainer_email}", "sample", date(2026, 9, 1), date(2026, 12, 1), trainer)
    )
    for trainee_id in trainee_ids:
        add_member(cohort, db.session.get(User, trainee_id))
    db.session.commit()


def read_to_the_end(client, lesson: str):
    """Open a lesson and its last section (a lesson read in sections is finished from there), then finish it."""
    html = client.get(lesson).get_data(as_text=True)
    match = re.search(r"Section 1 of (\d+)", html)
    page = f"{lesson}?section={match.group(1)}" if match else lesson
    return post(client, lesson + "finish", page=page)


def last_section(app, course_slug: str, module_slug: str) -> str:
    """The address of a lesson's last section, where its finish button and role-plays are."""
    from lms.content import catalog

    with app.app_context():
        count = catalog().module(module_slug).section_count
    return f"/courses/{course_slug}/{module_slug}/" + (f"?section={count}" if count > 1 else "")
