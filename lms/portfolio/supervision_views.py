"""Supervisors' pages: the entries addressed to a supervisor account, and the page a mailed link opens."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import role_required
from ..auth.models import User
from ..extensions import db, limiter
from . import supervision
from .share_forms import DecisionForm

bp = Blueprint("supervision", __name__, url_prefix="/portfolio")


@bp.after_request
def _private(response):
    if request.view_args and "token" in request.view_args:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/supervise/")
@role_required("supervisor")
def supervise():
    entries = supervision.addressed_to(current_user)
    ids = {e.user_id for e in entries}
    trainees = {u.id: u.legal_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template(
        "portfolio/supervise.html",
        entries=entries,
        trainees=trainees,
        kind_of=supervision.kind_of,
        names=supervision.KIND_NAMES,
    )


@bp.route("/supervise/<kind>/<int:entry_id>", methods=["GET", "POST"])
@role_required("supervisor")
def supervise_entry(kind: str, entry_id: int):
    entry = supervision.entry_for(current_user, kind, entry_id)
    if entry is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit() and entry.state == "pending":
        try:
            supervision.decide_as_supervisor(current_user, entry, request.form.get("decision", ""), form.comment.data)
        except supervision.DecisionError as exc:
            form.comment.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Thank you: the entry is {entry.state}.", "success")
            return redirect(url_for(".supervise"))
    return _entry_page(entry, form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("VERIFY_RATE_LIMIT", scope="supervisor-link")
def confirm(token: str):
    """The page a supervisor's mailed link opens: the entry, and Confirm or Decline with a comment."""
    try:
        opened = supervision.open_link(token)
    except supervision.LinkClosed as exc:
        return render_template("portfolio/link_closed.html", reason=str(exc)), 410
    if opened is None:
        abort(404)
    link, entry = opened
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            supervision.decide_by_link(link, entry, request.form.get("decision", ""), form.comment.data)
        except supervision.LinkClosed as exc:
            db.session.rollback()
            return render_template("portfolio/link_closed.html", reason=str(exc)), 410
        except supervision.DecisionError as exc:
            form.comment.errors.append(str(exc))
        else:
            db.session.commit()
            return render_template(
                "portfolio/decided.html", entry=entry, names=supervision.KIND_NAMES, kind=supervision.kind_of(entry)
            )
    return _entry_page(entry, form)


def _entry_page(entry, form):
    status = 422 if request.method == "POST" else 200
    return render_template(
        "portfolio/decide.html",
        entry=entry,
        form=form,
        kind=supervision.kind_of(entry),
        names=supervision.KIND_NAMES,
        trainee=db.session.get(User, entry.user_id),
        when=supervision.entry_date(entry),
    ), status
