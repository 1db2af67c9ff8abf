"""Private preview: one author's session is served a candidate, and nothing that session does is recorded.

The session holds the candidate's fingerprint (and id, so an edit that changes the fingerprint keeps the
preview going). Only requests that carry it pay for it: one small query to follow edits, and the
candidate's catalog from this process's cache. Everyone else's requests are untouched.
"""

from urllib.parse import urlsplit

from flask import flash, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..urls import safe_next
from .api import cached_catalog, catalog_for
from .models import Candidate, CandidateState

#: session keys: the previewed candidate's fingerprint and id, and a practice role-play's route so far
PREVIEW_KEY, PREVIEW_CANDIDATE, PRACTICE_KEY = "preview", "preview_candidate", "preview_practice"
#: forms that may be sent while previewing: publishing's own, and signing out; every other POST would record something
_FORMS_ALLOWED = ("publishing.", "auth.logout")


def start_preview(candidate: Candidate) -> None:
    """Serve this candidate to the current session only, from its next request."""
    session[PREVIEW_KEY], session[PREVIEW_CANDIDATE] = candidate.fingerprint, candidate.id
    session.pop(PRACTICE_KEY, None)


def stop_preview() -> None:
    """Back to the live version."""
    for key in (PREVIEW_KEY, PREVIEW_CANDIDATE, PRACTICE_KEY):
        session.pop(key, None)


def previewed_id() -> int | None:
    """The candidate this request is served (None: the live version)."""
    return g.get("preview_candidate")


def apply_preview():
    """Before a request that carries a preview: serve the candidate, and turn away forms that would record."""
    if not current_user.is_authenticated or not current_user.is_author:
        stop_preview()  # only authors preview; a session that lost the permission goes back to live
        return None
    row = db.session.execute(
        select(Candidate.fingerprint, Candidate.state, Candidate.error_count).where(
            Candidate.id == session.get(PREVIEW_CANDIDATE)
        )
    ).first()
    if row is None or row.state != CandidateState.OPEN or row.error_count:
        stop_preview()
        flash("The preview ended: that candidate was published, set aside, or now has errors.", "info")
        return None
    if row.fingerprint != session.get(PREVIEW_KEY):
        session[PREVIEW_KEY] = row.fingerprint  # edited since: preview the latest files
    catalog = cached_catalog(row.fingerprint) or catalog_for(db.session.get(Candidate, session[PREVIEW_CANDIDATE]))
    if catalog is None:
        stop_preview()
        return None
    g.preview_catalog, g.preview_candidate = catalog, session[PREVIEW_CANDIDATE]
    if request.method in ("GET", "HEAD") or (request.endpoint or "").startswith(_FORMS_ALLOWED):
        return None
    args = request.view_args or {}
    if request.endpoint == "courses.roleplay_start":
        return redirect(
            url_for(
                "publishing.practice",
                course_slug=args["course_slug"],
                module_slug=args["module_slug"],
                quiz_slug=args["quiz_slug"],
            ),
            303,
        )
    flash("Nothing is recorded while you preview. Stop previewing to use the live site.", "info")
    # Back to the page the form was on (its path only: the referrer's host is never trusted).
    return redirect(safe_next(urlsplit(request.referrer or "").path), 303)
