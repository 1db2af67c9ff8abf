"""The browser editor: edit a candidate's lessons, role-plays, courses and attestations, check them,
preview them, upload images with alt text, and start a module from a template. Saves go to the candidate
(never live); with a local git working copy configured, each save is also a commit by the trainer."""

import logging

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import audit
from ..auth import author_required
from ..content.files import SVG_POLICY, media_type
from ..extensions import db
from .api import (
    Candidate,
    CandidateError,
    CandidateState,
    Source,
    candidate_files,
    create_candidate,
    live_files,
    live_fingerprint,
    problems_of,
    replace_files,
    write_file,
)
from .editing import (
    KIND_ORDER,
    EditError,
    check_files,
    decode,
    digest,
    editable_files,
    image_problem,
    image_snippet,
    kind_of,
    module_slugs,
    new_module,
    normalise,
    preview,
)
from .gitsave import SaveError, commit_file, working_copy
from .views import bp

logger = logging.getLogger(__name__)
#: uploads larger than this are refused with a message (the whole request is also capped by MAX_CONTENT_LENGTH)
IMAGE_MAX_BYTES = 2 * 1024 * 1024
#: open candidates listed where editing starts, newest first
OPEN_SHOWN = 20


def _candidate_or_404(candidate_id: int, lock: bool = False) -> Candidate:
    """The candidate; a request that changes it holds its row lock (PostgreSQL), so two saves of different
    files of one candidate cannot both read the old tree and lose one another's change."""
    candidate = db.session.get(Candidate, candidate_id, with_for_update=lock, populate_existing=lock)
    if candidate is None:
        abort(404)
    return candidate


@bp.route("/edit")
@author_required
def edit_home():
    """Where editing starts: the open candidates, and a new copy of the live content."""
    candidates = db.session.scalars(
        select(Candidate).where(Candidate.state == CandidateState.OPEN).order_by(Candidate.id.desc()).limit(OPEN_SHOWN)
    ).all()
    return render_template("publishing/edit_home.html", candidates=candidates, form=FlaskForm())


@bp.route("/edit", methods=["POST"])
@author_required
def edit_start():
    """A new candidate from the live files, to edit in the browser."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    candidate = create_candidate(
        live_files(),
        based_on=live_fingerprint(),
        source=Source.EDITOR,
        user=current_user,
        origin="edited in the browser",
    )
    db.session.commit()
    return redirect(url_for(".edit_files", candidate_id=candidate.id))


@bp.route("/candidates/<int:candidate_id>/edit/")
@author_required
def edit_files(candidate_id: int):
    candidate = _candidate_or_404(candidate_id)
    tree = candidate_files(candidate)
    page = _file_list(candidate, tree)
    db.session.commit()  # a first check is kept on the candidate
    return page


def _file_list(candidate, tree: dict, new_module_error: str | None = None, values: dict | None = None) -> str:
    """The candidate's files to edit, its problems, and the new-module form (with its error and input)."""
    files = editable_files(tree)
    return render_template(
        "publishing/edit_files.html",
        candidate=candidate,
        files=files,
        kinds=KIND_ORDER,
        modules=module_slugs(tree),
        problems=problems_of(candidate),
        form=FlaskForm(),
        editable={p for _, p in files},
        new_module_error=new_module_error,
        values=values or {},
    )


@bp.route("/candidates/<int:candidate_id>/edit/<path:path>", methods=["GET", "POST"])
@author_required
def edit(candidate_id: int, path: str):
    candidate = _candidate_or_404(candidate_id, lock=request.method == "POST")
    tree = candidate_files(candidate)
    kind = kind_of(path)
    if kind is None:
        if (
            request.method == "GET"
            and path in tree
            and (media_type(path.rpartition("/")[2]) or "").startswith("image/")
        ):
            return _image(tree[path], path)  # the preview's relative images resolve here
        if request.method == "GET" and path in tree:
            return redirect(url_for(".file", candidate_id=candidate.id, path=path))  # not edited here: shown as it is
        abort(404)
    if request.method == "GET":
        text = decode(tree[path]) if path in tree else ""
        problems = [p for p in problems_of(candidate) if p.path == path]
        db.session.commit()
        return _render(candidate, tree, path, kind, text, problems, checked=False)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        text = normalise(request.form.get("text", ""))
    except EditError as exc:
        flash(str(exc), "error")
        return _render(candidate, tree, path, kind, request.form.get("text", ""), [], checked=False, status=422)
    if request.form.get("action") != "save":
        # Check (and preview) the text as typed, without saving it.
        found = check_files({**tree, path: text.encode()})
        problems = [p for p in found if p.path == path]
        others = [p for p in found if p.path != path and not p.warning]
        return _render(candidate, tree, path, kind, text, problems, checked=True, others=others)
    if request.form.get("base") != digest(tree.get(path)):
        # Saved by someone else (or in another tab) since this text was loaded: never overwrite it unseen.
        flash(
            "Someone saved this file after you opened it. Your text is below, not saved: compare it with the "
            "saved version (open this page again in another tab), then save again to replace theirs.",
            "error",
        )
        return _render(candidate, tree, path, kind, text, [], checked=False, status=409)
    return _save(candidate, path, text)


def _save(candidate, path: str, text: str):
    data = text.encode()
    saved = write_file(candidate, path, data, current_user)
    commit = None
    folder = working_copy(current_app.config)
    if folder is not None:
        try:
            commit = commit_file(
                folder, path, data, current_user.display_name, current_user.email, f"Edit {path} in the browser"
            )
        except SaveError as exc:
            flash(f"Saved to the candidate, but not committed to the content repository: {exc}", "error")
    audit.record("content.file_saved", f"candidate:{saved.id}", path=path, commit=commit)
    db.session.commit()
    logger.info("%s saved %s in candidate %s (commit %s)", current_user.id, path, saved.id, commit)
    errors = sum(1 for p in problems_of(saved) if p.path == path and not p.warning)
    message = f"Saved {path}" + (f" and committed as {commit[:10]}" if commit else "") + ". "
    message += f"It has {errors} error{'s' if errors != 1 else ''}." if errors else "The check finds no error in it."
    flash(message, "error" if errors else "success")
    return redirect(url_for(".edit", candidate_id=saved.id, path=path))


def _render(candidate, tree, path, kind, text, problems, checked, others=(), status=200, image=None):
    module = path.split("/")[1] if path.startswith("modules/") else None
    shown = preview(kind, path, text)
    lines = text.splitlines()
    return render_template(
        "publishing/edit.html",
        candidate=candidate,
        path=path,
        kind=kind,
        text=text,
        problems=problems,
        errors=[p for p in problems if not p.warning],
        checked=checked,
        others=others,
        preview=shown,
        lines=lines,
        by_line=_by_line(problems, len(lines)),
        module=module,
        exists=path in tree,
        form=FlaskForm(),
        image=image or {},
        base=digest(tree.get(path)),
        repo=working_copy(current_app.config) is not None,
        max_image_mb=_max_image() / 1_048_576,
    ), status


def _by_line(problems, count: int) -> dict[int, list]:
    result: dict[int, list] = {}
    for p in problems:
        result.setdefault(min(max(p.line, 1), max(count, 1)), []).append(p)
    return result


def _image(data: bytes, path: str):
    response = current_app.response_class(data, mimetype=media_type(path.rpartition("/")[2]))
    response.headers["Content-Security-Policy"] = SVG_POLICY
    response.headers["Content-Disposition"] = "inline"
    return response


def _max_image() -> int:
    return int(current_app.config.get("EDITOR_IMAGE_MAX_BYTES") or IMAGE_MAX_BYTES)


@bp.route("/candidates/<int:candidate_id>/images/<module_slug>", methods=["POST"])
@author_required
def edit_image(candidate_id: int, module_slug: str):
    candidate = _candidate_or_404(candidate_id, lock=True)
    if not FlaskForm().validate_on_submit():
        abort(400)
    tree = candidate_files(candidate)
    lesson = f"modules/{module_slug}/index.md"
    if lesson not in tree:
        abort(404)
    upload = request.files.get("image")
    alt = request.form.get("alt", "")
    name = (request.form.get("name") or (upload.filename if upload else "") or "").strip()
    name = name.lower()
    data = upload.read(_max_image() + 1) if upload else b""
    problem = (
        "Choose an image file to upload."
        if not upload or not upload.filename
        else image_problem(name, data, alt, _max_image())
    )
    if problem is None and f"modules/{module_slug}/images/{name}" in tree and not request.form.get("replace"):
        problem = f"There is already an image called {name} in this module: give the new one another name."
    text = decode(tree[lesson])
    if problem:
        return _render(
            candidate,
            tree,
            lesson,
            "lesson",
            text,
            [p for p in problems_of(candidate) if p.path == lesson],
            checked=False,
            status=422,
            image={"error": problem, "alt": alt, "name": name},
        )
    try:
        saved = write_file(candidate, f"modules/{module_slug}/images/{name}", data, current_user)
    except CandidateError as exc:
        return _render(
            candidate,
            tree,
            lesson,
            "lesson",
            text,
            [],
            checked=False,
            status=422,
            image={"error": str(exc), "alt": alt, "name": name},
        )
    folder = working_copy(current_app.config)
    if folder is not None:
        try:
            commit_file(
                folder,
                f"modules/{module_slug}/images/{name}",
                data,
                current_user.display_name,
                current_user.email,
                f"Add image modules/{module_slug}/images/{name} in the browser",
            )
        except SaveError as exc:
            flash(f"Uploaded to the candidate, but not committed to the content repository: {exc}", "error")
    audit.record("content.image_uploaded", f"candidate:{saved.id}", path=f"modules/{module_slug}/images/{name}")
    db.session.commit()
    flash(
        f"Uploaded {name}. To show it in the lesson, paste this line where it belongs: {image_snippet(name, alt)}",
        "success",
    )
    return redirect(url_for(".edit", candidate_id=saved.id, path=lesson, snippet=image_snippet(name, alt)))


@bp.route("/candidates/<int:candidate_id>/new-module", methods=["POST"])
@author_required
def edit_new_module(candidate_id: int):
    candidate = _candidate_or_404(candidate_id, lock=True)
    if not FlaskForm().validate_on_submit():
        abort(400)
    tree = candidate_files(candidate)
    slug, title = request.form.get("slug", ""), request.form.get("title", "")
    try:
        added = new_module(tree, slug, title)
    except EditError as exc:
        return _file_list(candidate, tree, str(exc), {"slug": slug, "title": title}), 422
    saved = replace_files(candidate, {**tree, **added}, current_user)
    folder = working_copy(current_app.config)
    if folder is not None:
        try:
            for path, data in added.items():
                commit_file(
                    folder,
                    path,
                    data,
                    current_user.display_name,
                    current_user.email,
                    f"New module {slug.strip()} from the template",
                )
        except SaveError as exc:
            flash(f"Added to the candidate, but not committed to the content repository: {exc}", "error")
    audit.record("content.module_added", f"candidate:{saved.id}", module=slug.strip())
    db.session.commit()
    flash(
        "The new module is a draft with placeholder text: replace every WRITE HERE, then remove 'draft: true'.",
        "success",
    )
    return redirect(url_for(".edit", candidate_id=saved.id, path=next(iter(added))))
