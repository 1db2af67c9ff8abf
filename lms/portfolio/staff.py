"""Trainers' portfolio pages: review the outside training and CE of their own cohorts' trainees.

A trainer sees only the trainees of the cohorts they run (lms.cohorts.access); a record of anyone else's
trainee answers 404, exactly as if it did not exist.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import role_required
from ..auth.models import User
from ..cohorts import access
from ..content import catalog
from ..extensions import db
from .forms import ReviewForm
from .models import ContinuingEducation, Evidence, ExperienceEntry, OutsideTraining, ReviewState, SupervisionSession
from .operations import PortfolioError, chosen_slugs, review
from .progress import progress
from .views import bp

RECORDS = {"training": OutsideTraining, "ce": ContinuingEducation}


def _visible(model, record_id: int):
    record = db.session.get(model, record_id)
    if record is None or not access.can_see_trainee(current_user, record.user_id):
        abort(404)
    return record


@bp.route("/staff/")
@role_required("trainer", "admin")
def staff_home():
    """Outside training and CE waiting for review, of the trainees this trainer sees."""
    waiting = {
        kind: db.session.scalars(
            select(model)
            .where(model.state == ReviewState.PENDING, access.trainee_filter(current_user, model.user_id))
            .order_by(model.created_at)
            .limit(200)
        ).all()
        for kind, model in RECORDS.items()
    }
    ids = {r.user_id for rows in waiting.values() for r in rows}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    files = _evidence_of(r for rows in waiting.values() for r in rows)
    return render_template("portfolio/staff_home.html", waiting=waiting, people=people, files=files)


@bp.route("/staff/<any(training, ce):record_kind>/<int:record_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def review_record(record_kind: str, record_id: int):
    """Accept or decline one record, with a comment (required to decline); the decision is audited."""
    record = _visible(RECORDS[record_kind], record_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review(record, form.decision.data == "accept", form.comment.data, current_user.id)
        except PortfolioError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".review_record", record_kind=record_kind, record_id=record_id), code=303)
        db.session.commit()
        flash(
            f"“{record.title}” is {record.state}. The trainee sees your decision"
            f"{' and comment' if record.decider_comment else ''} on their records page.",
            "success",
        )
        return redirect(url_for(".staff_home"))
    status = 200 if request.method == "GET" else 422
    return render_template(
        "portfolio/review.html",
        record=record,
        kind=record_kind,
        form=form,
        trainee=db.session.get(User, record.user_id),
        file=db.session.get(Evidence, record.evidence_id),
    ), status


@bp.route("/staff/trainees/<int:user_id>")
@role_required("trainer", "admin")
def staff_trainee(user_id: int):
    """One trainee's portfolio as their trainer sees it: progress on each tracked pathway, and every record."""
    if not access.can_see_trainee(current_user, user_id):
        abort(404)
    trainee = db.session.get(User, user_id)
    if trainee is None:
        abort(404)
    paths = [p for p in (catalog().pathway(s) for s in chosen_slugs(user_id)) if p is not None]

    def theirs(model, order):
        return db.session.scalars(select(model).where(model.user_id == user_id).order_by(order.desc())).all()

    return render_template(
        "portfolio/staff_trainee.html",
        trainee=trainee,
        progresses=[progress(user_id, p) for p in paths],
        experience=theirs(ExperienceEntry, ExperienceEntry.worked_on),
        supervision=theirs(SupervisionSession, SupervisionSession.held_on),
        training=theirs(OutsideTraining, OutsideTraining.completed_on),
        ce=theirs(ContinuingEducation, ContinuingEducation.completed_on),
    )


def _evidence_of(records) -> dict:
    ids = {r.evidence_id for r in records}
    if not ids:
        return {}
    # Only the file's facts, never its bytes (the column is deferred; a list page does not load them).
    return {e.id: e for e in db.session.scalars(select(Evidence).where(Evidence.id.in_(ids)))}
