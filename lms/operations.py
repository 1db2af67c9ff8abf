"""Operations: health check, backups, a person's data as JSON, and account deletion."""
import json
import shutil
import sqlite3
# pg_dump and pg_restore for PostgreSQL backups, with fixed arguments.
import subprocess  # nosec B404
from datetime import datetime
from pathlib import Path

import click
from flask import Blueprint, current_app, jsonify
from sqlalchemy import delete, select, text, update

from . import audit
from .assessments.models import Attempt
from .auth.models import PasswordReset, User, utcnow
from .certificates.models import AttestationSignature, Certificate, CertificateRequest
from .courses.models import LessonProgress
from .extensions import db
from .privacy import data_cli
from .trainers.models import Attendance, CohortMember, LiveSession, Override

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the database answers and content is loaded, else 503."""
    checks = {"database": False, "content": "lms.catalog" in current_app.extensions}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # the check reports the failure rather than raising it
        db.session.rollback()
    healthy = all(checks.values())
    content = current_app.extensions.get("lms.content")
    body = {"status": "ok" if healthy else "unavailable", **checks,
            "content_version": content.fingerprint[:12] if content and content.fingerprint else None}
    return jsonify(body), 200 if healthy else 503


# -- backups -------------------------------------------------------------------------------

def backup(target: Path) -> Path:
    """A consistent copy of the database while the app runs: SQLite's online backup, or pg_dump."""
    url = db.engine.url
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A copy of everything, the signing key included: owner-only before the first byte is written.
    target.touch(mode=0o600, exist_ok=True)
    target.chmod(0o600)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
    else:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)],
                       check=True)  # nosec B603 B607
    return target


def restore(source: Path) -> None:
    """Replace the database with a backup (stop the app first)."""
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(source, url.database)
        for suffix in ("-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(url)}", str(source)],
                       check=True)  # nosec B603 B607


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@data_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Back up the database to PATH while the app keeps running."""
    target = backup(Path(path))
    click.echo(f"Backed up the database to {target} ({target.stat().st_size:,} bytes).")


@data_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the current database may be replaced.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the database with a backup made by 'data backup' (stop the app first)."""
    if not yes:
        raise click.ClickException("This replaces the whole database. Stop the app, then run again with --yes.")
    restore(Path(path))
    click.echo(f"Restored the database from {path}. Start the app again.")


# -- a person's data --------------------------------------------------------------------------

def _row(obj, *exclude: str) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in exclude}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) or hasattr(value, "isoformat") else value


def export(user: User) -> dict:
    """Everything held about a person, as JSON-ready data (never the password hash or 2FA secret)."""
    def rows(model, *exclude):
        return [_row(r, *exclude) for r in db.session.scalars(select(model).where(model.user_id == user.id))]

    attempts = []
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at)):
        item = _row(attempt, "user_id")
        item["steps"] = [_row(step, "attempt_id") for step in attempt.steps]
        attempts.append(item)
    sessions = db.session.scalars(select(LiveSession).join(Attendance, Attendance.session_id == LiveSession.id)
                                  .where(Attendance.user_id == user.id)).all()
    # By the account's pseudonym, never its id: events of an earlier account that had this id are not theirs.
    me = audit.user_ref(user)
    events = db.session.scalars(select(audit.AuditEvent).where(
        (audit.AuditEvent.actor == me) | (audit.AuditEvent.subject == me)).order_by(audit.AuditEvent.id)).all()
    return {
        "exported_at": utcnow().isoformat(),
        "account": _row(user, "password_hash", "totp_secret", "totp_last_step", "totp_pending", "session_token"),
        "two_factor_enabled": user.two_factor,
        "lessons": rows(LessonProgress, "user_id"),
        "role_play_attempts": attempts,
        "attestations_signed": rows(AttestationSignature, "user_id"),
        "certificate_requests": rows(CertificateRequest, "user_id"),
        "certificates": [_row(c, "user_id", "pdf", "credential") for c in
                         db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))],
        "cohorts": rows(CohortMember, "user_id"),
        "live_sessions_attended": [_row(s) for s in sessions],
        "overrides": rows(Override, "user_id"),
        "audit_events": [_row(e) for e in events],
    }


@data_cli.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print everything held about a person as JSON (for a subject access request)."""
    from .auth.operations import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    click.echo(json.dumps(export(user), indent=2, ensure_ascii=False))


class AccountError(Exception):
    """An account that cannot be closed this way; the message says why."""


def delete_account(user: User, actor_id: int | None) -> None:
    """Delete an account and its learning records; certificates stay verifiable, without the link to the account."""
    user_id = user.id
    if user.is_staff and actor_id == user_id:
        # Staff actions carry their name in the audit log; an admin deactivates a leaver instead.
        raise AccountError("Staff accounts cannot be closed by their owner: ask an administrator to deactivate yours.")
    # The events keep the account's pseudonym, shown as deleted-user:<uuid> from now on; nothing is rewritten.
    audit.record("user.deleted", f"user:{user_id}", actor_id=actor_id)
    db.session.execute(update(Certificate).where(Certificate.user_id == user_id).values(user_id=None))
    for model in (LessonProgress, AttestationSignature, CertificateRequest, CohortMember, Attendance, Override, PasswordReset):
        db.session.execute(delete(model).where(model.user_id == user_id))
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user_id)):
        db.session.delete(attempt)  # with its steps, written answers included
    db.session.flush()
    db.session.delete(user)
