"""`flask --app lms content check` and start-up refusal on broken content."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from lms import StartupRefused, create_app
from lms.content.cli import content_cli

from helpers import BUNDLED_CONTENT, TEST_CONTENT, base_config, write_content


def check(directory):
    return CliRunner().invoke(content_cli, ["check", str(directory)])


def test_check_passes_on_bundled_content_with_a_one_line_summary():
    result = check(BUNDLED_CONTENT)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        f"OK: 1 course(s), 13 module(s), 20 role-play(s), 33 competencies, 3 pathway(s), 0 warning(s) in {BUNDLED_CONTENT}"
    ]


def test_check_reports_every_error_with_file_and_line_and_exits_1(tmp_path):
    root = write_content(
        tmp_path,
        {
            "courses/t.md": "---\ntitle: T\nmodules: [m, ghost]\n---\n",
            "modules/m/index.md": "---\ntitle: M\nauthor: me\n---\n",
            "modules/m/q.quiz.md": "---\ntitle: Q\n---\n## a\n- x -> nowhere\n  +1\n",
        },
    )
    result = check(root)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[:3] == [
        f"{root}/courses/t.md:3: unknown module 'ghost': there is no folder modules/ghost/",
        f"{root}/modules/m/index.md:3: unknown front-matter key 'author' (allowed: competencies, content_note, domain, draft, minutes, summary, title)",
        f"{root}/modules/m/q.quiz.md:5: arrow to unknown scene 'nowhere'",
    ]
    assert lines[3].startswith("3 error(s), 0 warning(s)")


def test_check_through_the_flask_command_even_when_content_is_broken(tmp_path):
    root = write_content(tmp_path, {"courses/t.md": "---\ntitle: T\nmodules: [ghost]\n---\n"})
    ok = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "lms", "content", "check", str(TEST_CONTENT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 1 course(s), 2 module(s), 2 role-play(s)"), ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "lms", "content", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "LMS_CONTENT_DIR": str(root)},
    )
    assert bad.returncode == 1 and "courses/t.md:3: unknown module 'ghost'" in bad.stdout


def test_the_app_refuses_to_start_on_broken_content_with_no_good_version_stored(tmp_path, database_uri):
    from sqlalchemy import text

    from lms.extensions import db

    root = write_content(tmp_path, {"modules/m/index.md": "---\ntitle: [unclosed\n---\n"})
    plain = create_app(base_config(database_uri))
    with plain.app_context():
        db.session.execute(text("DELETE FROM content_version"))
        db.session.commit()
        db.engine.dispose()
    with pytest.raises(StartupRefused) as refused:
        create_app(base_config(database_uri, CONTENT_DIR=str(root)))
    assert f"{root}/modules/m/index.md:2: YAML does not parse" in refused.value.message


def test_weak_secret_keys_are_refused():
    for key in ["dev", "short-key", "changeme"]:
        with pytest.raises(StartupRefused):
            create_app(base_config("sqlite://", SECRET_KEY=key))


def test_first_run_creates_secret_key_and_sqlite_schema_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LMS_CONTENT_DIR", str(TEST_CONTENT))
    monkeypatch.setenv("LMS_PUBLIC_URL", "https://training.example.org")  # required outside debug and tests
    app = create_app()
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert app.config["SECRET_KEY"] == key_file.read_text().strip() and len(app.config["SECRET_KEY"]) >= 64
    assert (tmp_path / "instance" / "lms.sqlite3").exists()
    again = create_app()
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"], "the key is kept across restarts"
    from lms.extensions import db

    for a in (app, again):
        with a.app_context():
            db.engine.dispose()


def test_database_url_accepts_postgres_urls(monkeypatch):
    from lms.config import database_url

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/db")
    assert database_url("/x") == "postgresql+psycopg://u:p@localhost/db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert database_url("/x") == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url("/inst") == "sqlite:////inst/lms.sqlite3"
