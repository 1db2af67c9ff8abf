"""Privacy: the notice, a person's data as JSON, closing an account, and data retention.

Written answers and graders' comments are deleted after a set time; scores stay.

`flask --app lms data purge-answers` (run daily) applies WRITTEN_ANSWER_RETENTION_DAYS to every written
answer, whatever became of its attempt: graded ones count from grading, and answers in attempts that
were never graded (still open, abandoned, or waiting for a trainer) count from when they were written.
A trainee's unsent draft counts from when its attempt started.
"""

import json
from datetime import datetime, timedelta

import click
from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, session, url_for
from flask.cli import AppGroup
from flask_login import current_user, login_required, logout_user
from sqlalchemy import and_, delete, or_, select, update

from . import audit
from .assessments.models import Attempt, AttemptStep
from .auth.api import account
from .auth.forms import DisableTwoFactorForm
from .auth.models import PasswordReset, User
from .auth.operations import find_user
from .auth.passwords import verify_password
from .certificates.models import AttestationSignature, Certificate, CertificateRequest
from .clock import utcnow
from .cohorts.models import Attendance, CohortMember, LiveSession, Override
from .database import wipe_freed_pages
from .extensions import db
from .portfolio.models import (
    BoardCertification,
    ContinuingEducation,
    Evidence,
    ExamResult,
    ExperienceEntry,
    OutsideTraining,
    PathwayChoice,
    SupervisionSession,
)
from .portfolio.share_models import PortfolioShare, RenewalReminder, SupervisorLink
from .reading.models import LessonProgress

data_cli = AppGroup("data", help="Data retention, export, backups and restores.")
bp = Blueprint("privacy", __name__, url_prefix="/privacy")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(data_cli)


@bp.route("")
def notice():
    """The privacy notice trainees accept at registration."""
    return render_template("privacy.html")


REMOVED = "[Deleted after the retention period. The score stands.]"


def purge_answers(now=None) -> tuple[int, int]:
    """Blank written answers and graders' comments older than the retention period; returns (answers, comments)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["WRITTEN_ANSWER_RETENTION_DAYS"])
    graded_long_ago = select(Attempt.id).where(Attempt.graded_at.is_not(None), Attempt.graded_at < cutoff)
    never_graded = select(Attempt.id).where(Attempt.graded_at.is_(None))
    answers = db.session.execute(
        update(AttemptStep)
        .where(
            AttemptStep.answer.is_not(None),
            AttemptStep.answer != REMOVED,
            or_(
                AttemptStep.attempt_id.in_(graded_long_ago),
                and_(AttemptStep.attempt_id.in_(never_graded), AttemptStep.created_at < cutoff),
            ),
        )
        .values(answer=REMOVED)
        .execution_options(synchronize_session=False)
    ).rowcount
    # An unsent draft lives on its open attempt: it goes once the attempt is older than the retention period
    # (and, should one outlive its attempt, at once).
    drafts = db.session.execute(
        update(Attempt)
        .where(Attempt.draft.is_not(None), or_(Attempt.state != "open", Attempt.started_at < cutoff))
        .values(draft=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    answers += drafts
    # A comment often quotes the answer it grades.
    comments = db.session.execute(
        update(Attempt)
        .where(Attempt.graded_at < cutoff, Attempt.grader_comment.is_not(None), Attempt.grader_comment != REMOVED)
        .values(grader_comment=REMOVED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if answers or comments:
        audit.record(
            "data.answers_purged",
            None,
            count=answers,
            drafts=drafts,
            comments=comments,
            retention_days=current_app.config["WRITTEN_ANSWER_RETENTION_DAYS"],
        )
    return answers, comments


@data_cli.command("purge-answers")
def purge_answers_command() -> None:
    """Delete written answers and graders' comments older than the retention period (scores stay); run daily."""
    answers, comments = purge_answers()
    db.session.commit()
    wipe_freed_pages()  # the old text leaves the database file's free space and write-ahead log too
    click.echo(
        f"Deleted {answers} written answer(s) and {comments} grader comment(s) older than "
        f"{current_app.config['WRITTEN_ANSWER_RETENTION_DAYS']} days."
    )


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
    sessions = db.session.scalars(
        select(LiveSession)
        .join(Attendance, Attendance.session_id == LiveSession.id)
        .where(Attendance.user_id == user.id)
    ).all()
    # By the account's pseudonym, never its id: events of an earlier account that had this id are not theirs.
    me = audit.user_ref(user)
    events = db.session.scalars(
        select(audit.AuditEvent)
        .where((audit.AuditEvent.actor == me) | (audit.AuditEvent.subject == me))
        .order_by(audit.AuditEvent.id)
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "account": _row(user, "password_hash", "totp_secret", "totp_last_step", "totp_pending", "session_token"),
        "two_factor_enabled": user.two_factor,
        "lessons": rows(LessonProgress, "user_id"),
        "role_play_attempts": attempts,
        "attestations_signed": rows(AttestationSignature, "user_id"),
        "certificate_requests": rows(CertificateRequest, "user_id"),
        "certificates": [
            _row(c, "user_id", "pdf", "credential")
            for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))
        ],
        "cohorts": rows(CohortMember, "user_id"),
        "live_sessions_attended": [_row(s) for s in sessions],
        "overrides": rows(Override, "user_id"),
        "portfolio": {
            "pathways": rows(PathwayChoice, "user_id"),
            "experience": rows(ExperienceEntry, "user_id"),
            "supervision": rows(SupervisionSession, "user_id"),
            "outside_training": rows(OutsideTraining, "user_id"),
            "continuing_education": rows(ContinuingEducation, "user_id"),
            "evidence_files": rows(Evidence, "user_id", "data"),  # the files themselves: from the records page
            "exam_results": rows(ExamResult, "user_id"),
            "board_certifications": rows(BoardCertification, "user_id"),
            # what was shared with boards (never the link's secret hash or the signed copy), and reminders sent
            "share_links": rows(PortfolioShare, "user_id", "token_hash", "snapshot", "credential"),
            "renewal_reminders": rows(RenewalReminder, "user_id"),
        },
        "audit_events": [_row(e) for e in events],
    }


@data_cli.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print everything held about a person as JSON (for a subject access request)."""
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
    # Supervisors' links to the person's entries go with the entries (they name the supervisor's address).
    for model, kind in ((ExperienceEntry, "experience"), (SupervisionSession, "supervision")):
        db.session.execute(
            delete(SupervisorLink).where(
                SupervisorLink.entry_kind == kind,
                SupervisorLink.entry_id.in_(select(model.id).where(model.user_id == user_id)),
            )
        )
    for model in (
        LessonProgress,
        AttestationSignature,
        CertificateRequest,
        CohortMember,
        Attendance,
        Override,
        PasswordReset,
        # the portfolio, its records before the evidence files they point at
        PathwayChoice,
        ExperienceEntry,
        SupervisionSession,
        OutsideTraining,
        ContinuingEducation,
        Evidence,
        ExamResult,
        BoardCertification,
        PortfolioShare,
        RenewalReminder,
    ):
        db.session.execute(delete(model).where(model.user_id == user_id))
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user_id)):
        db.session.delete(attempt)  # with its steps, written answers included
    db.session.flush()
    db.session.delete(user)


@bp.route("/my-data.json")
@login_required
def my_data():
    """Everything held about the signed-in person, as a JSON download."""
    body = json.dumps(export(account(current_user)), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-training-data.json"'},
    )


@bp.route("/close-account", methods=["POST"])
@login_required
def close_account():
    """Close the account: answers and progress are deleted; certificates stay verifiable."""
    form = DisableTwoFactorForm()
    if not form.validate_on_submit() or not verify_password(account(current_user).password_hash, form.password.data):
        flash("That is not your password; your account has not been closed.", "error")
        return redirect(url_for("auth.password"))
    user = account(current_user)
    try:
        delete_account(user, actor_id=user.id)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.password"))
    logout_user()
    db.session.commit()
    wipe_freed_pages()  # the deleted answers leave the database file's free pages and write-ahead log too
    session.clear()
    flash("Your account is closed and your answers are deleted. Your certificates can still be verified.", "info")
    return redirect(url_for("web.index"))
