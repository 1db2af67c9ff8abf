"""Maintenance: the health check, and database backups and restores (`flask --app lms data backup|restore`)."""

import shutil
import sqlite3

# pg_dump and pg_restore for PostgreSQL backups, with fixed arguments.
import subprocess  # nosec B404
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import column, literal, select, table
from sqlalchemy.exc import SQLAlchemyError

from .clock import utcnow
from .extensions import db
from .privacy import data_cli

bp = Blueprint("maintenance", __name__, url_prefix="/healthz")
# The bundled Alembic migrations: a backup's schema revision must be one of theirs.
MIGRATIONS = str(Path(__file__).parent / "migrations")
#: Alembic's own table, which no model maps
_ALEMBIC_VERSION = table("alembic_version", column("version_num"))


@bp.route("")
def healthz():
    """For load balancers: 200 when the database answers and content is loaded, else 503."""
    checks = {"database": False, "content": "lms.catalog" in current_app.extensions}
    try:
        db.session.execute(select(literal(1)))
        checks["database"] = True
    except Exception:  # the check reports the failure rather than raising it
        db.session.rollback()
    healthy = all(checks.values())
    content = current_app.extensions.get("lms.content")
    body = {
        "status": "ok" if healthy else "unavailable",
        **checks,
        "content_version": content.fingerprint[:12] if content and content.fingerprint else None,
    }
    return jsonify(body), 200 if healthy else 503


# -- backups -------------------------------------------------------------------------------


class BackupError(Exception):
    """The database could not be copied; no file was left at the target."""


def backup(target: Path) -> Path:
    """A consistent copy of the database while the app runs: SQLite's online backup, or pg_dump.

    Written beside the target and renamed into place once complete, so a failed run never leaves a
    file that looks like a backup (nor replaces yesterday's with half of today's)."""
    url = db.engine.url
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # A copy of everything, the signing key included: owner-only before the first byte is written.
    partial.touch(mode=0o600)
    partial.chmod(0o600)
    try:
        if url.get_backend_name() == "sqlite":
            # Read-only: a missing database file is an error, not a new empty database to back up.
            source = sqlite3.connect(f"{Path(url.database).resolve().as_uri()}?mode=ro", uri=True)
            copy = sqlite3.connect(partial)
            try:
                with copy:
                    source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", _libpq_url(url)],
                capture_output=True,
                text=True,
            )  # nosec B603 B607
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()[:300]}")
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite could not copy {url.database}: {exc}") from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


class RestoreError(Exception):
    """A restore that did not happen; the message says why, and that the database is as it was."""


def _known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(MIGRATIONS).walk_revisions()}


def check_sqlite_backup(source: Path) -> str:
    """Refuse a file that is not a sound backup of this app; returns its schema revision."""
    try:
        # Read-only, so that checking a file never changes it (nor creates a journal next to it).
        connection = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RestoreError(f"{source} cannot be opened: {exc}.") from exc
    try:
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            raise RestoreError(f"{source} is not a SQLite database ({exc}).") from exc
        if problems != ["ok"]:
            raise RestoreError(f"{source} is damaged (SQLite integrity check: {'; '.join(problems[:3])}).")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        _check_tables(source, tables)
        revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
        keys = connection.execute("SELECT count(*) FROM signing_key WHERE active").fetchone()[0]
    finally:
        connection.close()
    return _check_contents(source, revisions, keys)


def _check_tables(source: Path, tables: set[str]) -> None:
    missing = {"alembic_version", "user", "signing_key"} - tables
    if missing:
        raise RestoreError(f"{source} is not a backup of this app (no {', '.join(sorted(missing))} table).")


def _check_contents(source: Path, revisions: list[str], active_keys: int) -> str:
    """A schema revision this code knows (older ones are upgraded at start-up), and a signing key."""
    if len(revisions) != 1 or revisions[0] not in _known_revisions():
        raise RestoreError(
            f"{source} has schema version {', '.join(revisions) or 'none'}, which this version of "
            "the app does not know (a backup from a newer release, or from another app)."
        )
    if not active_keys:  # without it no certificate could be issued, and none checked against the published keys
        raise RestoreError(f"{source} holds no active signing key.")
    return revisions[0]


def restore(source: Path, aside: Path) -> str:
    """Replace the database with a checked backup (stop the app first); the current one is kept at `aside`.

    Returns the restored schema revision. Nothing is changed when the file fails the checks, and the
    previous database is put back when the restored one does not open."""
    url = db.engine.url
    source, aside = Path(source), Path(aside)
    if aside.exists():
        raise RestoreError(f"{aside} exists already; the current database is never written over a file.")
    if url.get_backend_name() == "sqlite":
        revision = check_sqlite_backup(source)
    else:
        revision = check_postgres_backup(source)
    _set_aside(url, aside)
    db.session.remove()
    db.engine.dispose()
    try:
        if url.get_backend_name() == "sqlite":
            _replace_sqlite(source, Path(url.database))
            check_sqlite_backup(Path(url.database))
        else:
            _pg_restore(url, source)
            with db.engine.connect() as connection:
                connection.execute(select(_ALEMBIC_VERSION.c.version_num)).one()
    except (RestoreError, sqlite3.Error, subprocess.CalledProcessError, SQLAlchemyError) as exc:
        db.engine.dispose()
        if url.get_backend_name() == "sqlite":
            _replace_sqlite(aside, Path(url.database))
        else:
            _pg_restore(url, aside)
        raise RestoreError(
            f"the restore failed or the restored database did not open ({exc}); the previous one is back in place."
        ) from exc
    db.engine.dispose()
    return revision


def _set_aside(url, aside: Path) -> None:
    """Keep the current database before anything is replaced: a consistent backup, or for a SQLite file
    that is itself damaged (what a restore is often for), its bytes as they are."""
    try:
        backup(aside)
    except BackupError as exc:
        if url.get_backend_name() != "sqlite":
            raise RestoreError(f"the current database could not be backed up first ({exc}).") from exc
        aside.touch(mode=0o600)
        shutil.copyfile(url.database, aside)
        wal = Path(f"{url.database}-wal")
        if wal.exists():
            shutil.copyfile(wal, f"{aside}-wal")


def _replace_sqlite(source: Path, live: Path) -> None:
    # Copied next to the live file, then renamed over it: the live path never holds half a file.
    partial = live.with_name(live.name + ".restoring")
    partial.touch(mode=0o600, exist_ok=True)
    shutil.copyfile(source, partial)
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    partial.replace(live)


def check_postgres_backup(source: Path) -> str:
    """Refuse a file that is not a readable pg_dump archive of this app; returns its schema revision."""
    listing = _pg_restore_output(source, "--list")
    # Table-of-contents lines read "<id>; <oid> <oid> TABLE DATA <schema> <table> <owner>".
    tables = {
        line.split()[6]
        for line in listing.splitlines()
        if not line.startswith(";") and " TABLE DATA " in line and len(line.split()) > 6
    }
    _check_tables(source, tables)
    # Reading the whole archive to nowhere checks every block of data, not only the table of contents.
    _pg_restore_output(source, "--file=/dev/null")
    revisions = [row["version_num"] for row in _pg_rows(source, "alembic_version")]
    keys = sum(1 for row in _pg_rows(source, "signing_key") if row["active"] == "t")
    return _check_contents(source, revisions, keys)


def _pg_rows(source: Path, table: str) -> list[dict]:
    """One table's rows in a pg_dump archive, read from the COPY text pg_restore prints."""
    script = _pg_restore_output(source, "--data-only", f"--table={table}", "--file=-")
    header, _, rest = script.partition(" FROM stdin;\n")
    if not rest:
        return []
    columns = [c.strip().strip('"') for c in header[header.rindex("(") + 1 : header.rindex(")")].split(",")]
    lines = rest.splitlines()
    lines = lines[: lines.index("\\.")] if "\\." in lines else lines  # the data ends at a line "\."
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines]


def _pg_restore_output(source: Path, *args: str) -> str:
    result = subprocess.run(["pg_restore", *args, str(source)], capture_output=True, text=True)  # nosec B603 B607
    if result.returncode != 0:
        raise RestoreError(f"{source} is not a readable PostgreSQL backup ({result.stderr.strip()[:200]}).")
    return result.stdout


def _pg_restore(url, source: Path) -> None:
    # One transaction: a failure part-way leaves the database as it was.
    subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(url)}",
            str(source),
        ],
        check=True,
    )  # nosec B603 B607


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Back up the database to PATH while the app keeps running."""
    try:
        target = backup(Path(path))
    except BackupError as exc:
        raise click.ClickException(f"No backup was written: {exc}") from exc
    click.echo(f"Backed up the database to {target} ({target.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the current database may be replaced.")
@click.option(
    "--keep-current-in",
    "keep_in",
    type=click.Path(file_okay=False),
    help="Folder for the copy of the current database (default: the SQLite database's folder, "
    "or the instance folder for PostgreSQL).",
)
def restore_command(path: str, yes: bool, keep_in: str | None) -> None:
    """Replace the database with a backup made by 'data backup' (stop the app first); the file is checked first."""
    if not yes:
        raise click.ClickException("This replaces the whole database. Stop the app, then run again with --yes.")
    url = db.engine.url
    sqlite = url.get_backend_name() == "sqlite"
    folder = (
        Path(keep_in) if keep_in else Path(url.database).resolve().parent if sqlite else Path(current_app.instance_path)
    )
    aside = _free_name(folder / f"before-restore-{utcnow():%Y%m%dT%H%M%S}{'.db' if sqlite else '.dump'}")
    try:
        revision = restore(Path(path), aside)
    except RestoreError as exc:
        raise click.ClickException(f"Nothing was restored: {exc}") from exc
    click.echo(
        f"Restored the database from {path} (schema version {revision}). The database it replaced is "
        f"kept at {aside}; delete it once the restored one is right. Start the app again."
    )


def _free_name(path: Path) -> Path:
    # Two restores within a second must not write the second one's copy over the first one's.
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def init_app(app: Flask) -> None:
    """The health check, and `flask --app lms data backup|restore`."""
    app.register_blueprint(bp)
    data_cli.add_command(backup_command)
    data_cli.add_command(restore_command)
