"""The authoring loop: content status, reload without restarting, and previews of draft modules."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import audit
from ..auth import author_required, role_required
from ..content import catalog, content_state
from ..content.loader import check_content
from ..content.versions import ContentVersion
from ..extensions import db
from .estimates import MIN_TRAINEES, module_times

bp = Blueprint("authoring", __name__, url_prefix="/staff/content")


@bp.route("/")
@role_required("trainer", "admin")
def status():
    state = content_state()
    _, problems = check_content(state.app.config["CONTENT_DIR"])
    versions = db.session.scalars(select(ContentVersion).order_by(ContentVersion.published_at.desc()).limit(10)).all()
    courses_of = {m: [c for c in catalog().courses.values() if m in c.modules] for m in catalog().modules}
    idle_cap = timedelta(minutes=current_app.config["LESSON_IDLE_CAP_MINUTES"])
    return render_template(
        "trainers/content.html",
        state=state,
        problems=problems,
        versions=versions,
        catalog=catalog(),
        courses_of=courses_of,
        form=FlaskForm(),
        times=module_times(catalog(), idle_cap),
        min_trainees=MIN_TRAINEES,
    )


@bp.route("/reload", methods=["POST"])
@author_required  # publishing the files on disk is publishing: it needs the author permission, like lms.publishing
def reload():
    if not FlaskForm().validate_on_submit():
        abort(400)
    state = content_state()
    before = state.fingerprint
    if state.load_disk():
        audit.record("content.published", f"content:{state.fingerprint[:12]}", previous=(before or "")[:12])
        db.session.commit()
        changed = before != state.fingerprint
        flash(
            "The content on disk is good and is now served by every app process."
            if changed
            else "The content on disk has not changed since it was published.",
            "success",
        )
    else:
        db.session.rollback()
        flash(
            f"The content on disk has {len(state.problems)} error(s), so the last good version is still served. "
            "Fix the errors listed below and reload again.",
            "error",
        )
    return redirect(url_for(".status"))


@bp.route("/preview/<module_slug>/")
@role_required("trainer", "admin")
def preview(module_slug: str):
    """A module's lesson as trainees will see it, drafts included; nothing is recorded."""
    module = catalog().module(module_slug)
    if module is None:
        abort(404)
    return render_template("trainers/preview.html", module=module)
