"""Publishing pages: get changes (upload, git), check and preview a candidate, see its impact, publish, roll back."""

import hashlib
import hmac
import logging
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth import author_required
from ..auth.models import User
from ..content import content_state, live_catalog
from ..content.versions import ContentVersion
from ..database import begin_write
from ..extensions import csrf, db, limiter
from .api import candidate_files, catalog_for, changed_files, get_candidate, problems_of
from .archive import UploadError
from .forms import PublishForm, UploadForm
from .git import FetchError, source_from_config
from .impact import impact
from .models import Candidate, Publication
from .operations import (
    PublishError,
    candidate_from_git,
    candidate_from_upload,
    discard,
    limits_from,
    publish_candidate,
    rollback,
)
from .preview import start_preview, stop_preview

logger = logging.getLogger(__name__)
bp = Blueprint("publishing", __name__, url_prefix="/publishing")
#: a zip a little over the limit still reaches the check, which says what the limit is
_UPLOAD_MARGIN = 1024 * 1024
_AT_ONCE = "Another author changed the live version at the same moment. Check the list and try again."


@bp.route("/")
@author_required
def index():
    return _index(UploadForm())


def _index(upload_form: UploadForm, status: int = 200):
    candidates = db.session.scalars(select(Candidate).order_by(Candidate.id.desc()).limit(20)).all()
    versions = db.session.scalars(select(ContentVersion).order_by(ContentVersion.published_at.desc()).limit(20)).all()
    publications = db.session.scalars(select(Publication).order_by(Publication.id.desc()).limit(50)).all()
    last = {}
    for publication in publications:
        last.setdefault(publication.fingerprint, publication)
    return render_template(
        "publishing/index.html",
        candidates=candidates,
        versions=versions,
        last=last,
        upload_form=upload_form,
        form=FlaskForm(),
        git=source_from_config(current_app.config),
        live=content_state().fingerprint,
        names=_names({p.by_id for p in publications} | {c.created_by_id for c in candidates}),
    ), status


def _large_form(view):
    """Check the CSRF token (as every form is) only once the upload's own size limit applies: the app's
    MAX_CONTENT_LENGTH is for ordinary forms."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        request.max_content_length = limits_from(current_app.config).archive_bytes + _UPLOAD_MARGIN
        csrf.protect()
        return view(*args, **kwargs)

    return wrapped


@bp.route("/upload", methods=["POST"])
@csrf.exempt  # checked by _large_form instead
@_large_form
@author_required
def upload():
    limits = limits_from(current_app.config)
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    stream = form.archive.data
    try:
        candidate = candidate_from_upload(
            stream.read(limits.archive_bytes + 1), stream.filename or "upload.zip", current_user, limits
        )
    except UploadError as exc:
        db.session.rollback()
        form.archive.errors = [str(exc)]
        return _index(form, 422)
    db.session.commit()
    return redirect(url_for(".candidate", candidate_id=candidate.id))


@bp.route("/fetch", methods=["POST"])
@author_required
def fetch():
    source = source_from_config(current_app.config)
    if source is None or not FlaskForm().validate_on_submit():
        abort(400)
    try:
        candidate, skipped, new = candidate_from_git(source, current_user, limits_from(current_app.config))
    except FetchError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    if not new:
        flash("That commit was fetched before: here is its candidate.", "info")
    if skipped:
        flash(
            f"{len(skipped)} file(s) in the repository are not content and were left out (e.g. {skipped[0]}).", "info"
        )
    return redirect(url_for(".candidate", candidate_id=candidate.id))


@bp.route("/candidates/<int:candidate_id>/")
@author_required
def candidate(candidate_id: int):
    found = _candidate_or_404(candidate_id)
    problems = problems_of(found)
    catalog = catalog_for(found) if not found.error_count else None
    summary = impact(live_catalog(), catalog) if catalog is not None and found.is_open else None
    return render_template(
        "publishing/candidate.html",
        candidate=found,
        problems=problems,
        catalog=catalog,
        impact=summary,
        publish_form=PublishForm(),
        form=FlaskForm(),
        files=changed_files(found),
        edit_endpoint="publishing.edit" if "publishing.edit" in current_app.view_functions else None,
        names=_names({found.created_by_id, found.updated_by_id}),
    )


@bp.route("/candidates/<int:candidate_id>/files/<path:path>")
@author_required
def file(candidate_id: int, path: str):
    """One file of a candidate, with a numbered anchor per line (#L12) for the checker's messages."""
    found = _candidate_or_404(candidate_id)
    files = candidate_files(found)
    if path not in files:
        abort(404)
    data = files[path]
    text = data.decode("utf-8", errors="replace") if path.endswith((".md", ".yaml")) else None
    problems = [p for p in problems_of(found) if p.path == path]
    return render_template(
        "publishing/file.html",
        candidate=found,
        path=path,
        lines=text.splitlines() if text else None,
        size=len(data),
        problems={p.line: p for p in problems},
    )


@bp.route("/candidates/<int:candidate_id>/preview", methods=["POST"])
@author_required
def preview(candidate_id: int):
    found = _candidate_or_404(candidate_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    catalog = catalog_for(found) if found.is_open and not found.error_count else None
    if catalog is None:
        flash("Only an open candidate without errors can be previewed.", "error")
        return redirect(url_for(".candidate", candidate_id=found.id))
    start_preview(found)
    courses = catalog.visible_courses() or list(catalog.courses.values())
    if courses:
        return redirect(url_for("courses.course", course_slug=courses[0].slug))
    return redirect(url_for("courses.catalogue"))


@bp.route("/preview/stop", methods=["POST"])
@author_required
def stop():
    if not FlaskForm().validate_on_submit():
        abort(400)
    candidate_id = request.form.get("candidate", type=int)
    stop_preview()
    flash("You are back on the live version.", "success")
    if candidate_id and db.session.get(Candidate, candidate_id) is not None:
        return redirect(url_for(".candidate", candidate_id=candidate_id))
    return redirect(url_for(".index"))


@bp.route("/candidates/<int:candidate_id>/publish", methods=["POST"])
@author_required
def publish(candidate_id: int):
    found = _candidate_or_404(candidate_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".candidate", candidate_id=found.id))
    begin_write()
    try:
        publish_candidate(found, form.note.data, current_user)
        db.session.commit()
    except PublishError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".candidate", candidate_id=candidate_id))
    except IntegrityError:
        db.session.rollback()  # another author made a version live at the same moment (one active version)
        flash(_AT_ONCE, "error")
        return redirect(url_for(".candidate", candidate_id=candidate_id))
    content_state().load_active()  # this process serves it now; the others follow within seconds
    flash("Published: every trainee now sees this version.", "success")
    return redirect(url_for(".index"))


@bp.route("/candidates/<int:candidate_id>/discard", methods=["POST"])
@author_required
def discard_candidate(candidate_id: int):
    found = _candidate_or_404(candidate_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        discard(found, current_user)
    except PublishError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".candidate", candidate_id=candidate_id))
    db.session.commit()
    flash("The candidate was set aside.", "success")
    return redirect(url_for(".index"))


@bp.route("/versions/<fingerprint>/rollback", methods=["POST"])
@author_required
def roll_back(fingerprint: str):
    if not FlaskForm().validate_on_submit():
        abort(400)
    begin_write()
    try:
        rollback(fingerprint, request.form.get("note", ""), current_user)
        db.session.commit()
    except PublishError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    except IntegrityError:
        db.session.rollback()
        flash(_AT_ONCE, "error")
        return redirect(url_for(".index"))
    content_state().load_active()
    flash(f"Rolled back: version {fingerprint[:12]} is live again for every trainee.", "success")
    return redirect(url_for(".index"))


@bp.route("/webhook", methods=["POST"])
@csrf.exempt  # a machine's request, authenticated by its HMAC signature instead
@limiter.limit("CONTENT_WEBHOOK_RATE_LIMIT")
def webhook():
    """A push notification from the git host: fetch a candidate (never publish). GitHub/Gitea-style signature."""
    secret = current_app.config.get("CONTENT_WEBHOOK_SECRET")
    source = source_from_config(current_app.config)
    if not secret or source is None:
        abort(404)
    body = request.get_data(cache=True)
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get("X-Hub-Signature-256") or request.headers.get("X-Gitea-Signature-256") or ""
    if not hmac.compare_digest(
        expected.encode(), given.encode("utf-8", "replace")
    ):  # bytes: any header is compared, never a 500
        logger.warning("content webhook: bad signature from %s", request.remote_addr)
        abort(403)
    ref = (request.get_json(silent=True) or {}).get("ref")
    if ref and ref != f"refs/heads/{source.branch}":
        return {"fetched": False, "reason": f"not {source.branch}"}, 202
    try:
        candidate, _, new = candidate_from_git(source, None, limits_from(current_app.config))
    except FetchError as exc:
        db.session.rollback()
        return {"fetched": False, "reason": str(exc)}, 502
    db.session.commit()
    return {
        "fetched": True,
        "candidate": candidate.id,
        "new": new,
        "errors": candidate.error_count,
    }, 201 if new else 200


def _candidate_or_404(candidate_id: int) -> Candidate:
    found = get_candidate(candidate_id)
    if found is None:
        abort(404)
    return found


def _names(user_ids: set) -> dict:
    ids = {i for i in user_ids if i}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
