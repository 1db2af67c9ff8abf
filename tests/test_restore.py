"""Restore refuses what it cannot restore: a corrupt file, a foreign database, an unknown schema, no signing key.

Each refused file leaves the live database as it was, and every command keeps working afterwards.
"""

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.certificates.keys import ensure_key
from lms.extensions import db

# As in conftest.py (not imported from there: tests/browser has a conftest module of its own).
POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite files; the PostgreSQL test is below")
postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="needs DATABASE_URL pointing at PostgreSQL")


def _restore(runner, path):
    # The copy of the current database goes to this test's own folder, next to the file restored.
    return runner.invoke(args=["data", "restore", str(path), "--yes", "--keep-current-in", str(Path(path).parent)])


def _still_working(runner, email="kept@example.org"):
    db.session.remove()
    assert db.session.scalar(select(User.email).where(User.email == email)) == email
    result = runner.invoke(args=["data", "export", email])
    assert result.exit_code == 0, result.output


def _backup(runner, path):
    ensure_key()  # as at every start-up (the PostgreSQL fixture empties every table, keys included)
    result = runner.invoke(args=["data", "backup", str(path)])
    assert result.exit_code == 0, result.output
    return path


@sqlite_only
def test_a_file_that_is_not_a_database_is_refused(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"These are my meeting notes, not a database.\n" * 200)
    result = _restore(runner, junk)
    assert result.exit_code == 1
    assert "Nothing was restored" in result.output and "not a SQLite database" in result.output
    _still_working(runner)


@sqlite_only
def test_a_damaged_backup_is_refused(app, runner, make_user, tmp_path):
    for n in range(40):  # enough rows that the user table spans several pages
        make_user(email=f"person{n}@example.org", display_name="x" * 200)
    make_user(email="kept@example.org")
    backup = _backup(runner, tmp_path / "backup.db")
    check = sqlite3.connect(backup)
    page_size = check.execute("PRAGMA page_size").fetchone()[0]
    root = check.execute("SELECT rootpage FROM sqlite_master WHERE name = 'user'").fetchone()[0]
    check.close()
    data = bytearray(backup.read_bytes())
    start = (root - 1) * page_size  # the user table's root page: its cell pointers become nonsense
    data[start + 8 : start + 64] = b"\xff" * 56
    backup.write_bytes(bytes(data))
    result = _restore(runner, backup)
    assert result.exit_code == 1
    assert "Nothing was restored" in result.output and ("damaged" in result.output or "not a SQLite" in result.output)
    _still_working(runner)


@sqlite_only
def test_a_backup_cut_short_is_refused(app, runner, make_user, tmp_path):
    for n in range(40):
        make_user(email=f"person{n}@example.org", display_name="x" * 200)
    make_user(email="kept@example.org")
    backup = _backup(runner, tmp_path / "backup.db")
    backup.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])  # as a backup run that died half-way
    result = _restore(runner, backup)
    assert result.exit_code == 1 and "Nothing was restored" in result.output
    _still_working(runner)


@sqlite_only
def test_a_database_of_another_app_is_refused(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    foreign = tmp_path / "firefox-places.sqlite"
    other = sqlite3.connect(foreign)
    other.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    other.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    other.commit()
    other.close()
    result = _restore(runner, foreign)
    assert result.exit_code == 1 and "not a backup of this app" in result.output
    _still_working(runner)


@sqlite_only
def test_a_backup_from_an_unknown_schema_version_is_refused(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    backup = _backup(runner, tmp_path / "newer.db")
    newer = sqlite3.connect(backup)
    newer.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    newer.commit()
    newer.close()
    result = _restore(runner, backup)
    assert result.exit_code == 1 and "schema version ffffffffffff" in result.output
    _still_working(runner)


@sqlite_only
def test_a_backup_without_the_signing_key_is_refused(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    backup = _backup(runner, tmp_path / "keyless.db")
    keyless = sqlite3.connect(backup)
    keyless.execute("DELETE FROM signing_key")
    keyless.commit()
    keyless.close()
    result = _restore(runner, backup)
    assert result.exit_code == 1 and "no active signing key" in result.output
    _still_working(runner)


def test_a_good_backup_is_restored_and_the_replaced_database_kept_aside(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    backup = _backup(runner, tmp_path / "good.db")
    make_user(email="after-backup@example.org")
    result = _restore(runner, backup)
    assert result.exit_code == 0, result.output
    assert "Restored the database from" in result.output and "schema version" in result.output
    aside = result.output.split("is kept at ", 1)[1].split(";", 1)[0]
    assert aside.endswith(".dump" if POSTGRES_URL else ".db")
    db.session.remove()
    emails = set(db.session.scalars(select(User.email)))
    assert emails == {"kept@example.org"}
    _still_working(runner)
    # The replaced database is itself a restorable backup: restoring it undoes the restore.
    result = _restore(runner, aside)
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert set(db.session.scalars(select(User.email))) == {"kept@example.org", "after-backup@example.org"}


@postgres_only
def test_postgres_refuses_a_foreign_or_corrupt_archive(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    junk = tmp_path / "notes.dump"
    junk.write_bytes(b"not an archive\n" * 100)
    result = _restore(runner, junk)
    assert result.exit_code == 1 and "not a readable PostgreSQL backup" in result.output
    backup = _backup(runner, tmp_path / "good.dump")
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size * 2 // 3])
    result = _restore(runner, truncated)
    assert result.exit_code == 1 and "Nothing was restored" in result.output
    _still_working(runner)


@sqlite_only
def test_a_live_database_that_is_itself_damaged_is_replaced_and_its_bytes_kept(app, runner, make_user, tmp_path):
    """What restore is most often for: the live file no longer opens ("file is not a database")."""
    make_user(email="kept@example.org")
    backup = _backup(runner, tmp_path / "good.db")
    live = db.engine.url.database
    db.session.remove()
    db.engine.dispose()
    junk = b"overwritten by a disk fault " * 500
    with open(live, "wb") as broken:
        broken.write(junk)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(live + suffix):
            os.unlink(live + suffix)
    result = _restore(runner, backup)
    assert result.exit_code == 0, result.output
    aside = result.output.split("is kept at ", 1)[1].split(";", 1)[0]
    with open(aside, "rb") as kept:
        assert kept.read() == junk
    _still_working(runner)
