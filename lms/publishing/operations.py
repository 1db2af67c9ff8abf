"""Making candidates from an upload or git, and publishing, rolling back and setting them aside.

Each operation flushes and audits; the view commits once, then serves the new version in its own
process (the others follow the active version within CONTENT_CHECK_SECONDS, lms.content.versions).
"""

import logging

from sqlalchemy import select

from .. import audit
from ..auth.models import User
from ..content import content_state, versions
from ..content.loader import check_content
from ..content.versions import ContentVersion, extract
from ..extensions import db
from .api import create_candidate, live_files, live_fingerprint, replace_module
from .archive import Limits, read_zip
from .git import GitSource, fetch
from .models import Candidate, CandidateState, Publication, PublicationKind, Source

logger = logging.getLogger(__name__)
NOTE_MAX = 2000


class PublishError(Exception):
    """A publish or roll-back that cannot happen, in words for the author."""


def limits_from(config) -> Limits:
    """Upload and fetch limits (PUBLISH_MAX_* settings, else the defaults)."""
    defaults = Limits()
    return Limits(
        archive_bytes=config.get("PUBLISH_MAX_UPLOAD_BYTES", defaults.archive_bytes),
        files=config.get("PUBLISH_MAX_FILES", defaults.files),
        file_bytes=config.get("PUBLISH_MAX_FILE_BYTES", defaults.file_bytes),
        total_bytes=config.get("PUBLISH_MAX_TOTAL_BYTES", defaults.total_bytes),
    )


def candidate_from_upload(data: bytes, filename: str, user: User, limits: Limits) -> Candidate:
    """A candidate from a zip of the whole content tree, or of one module folder put into a copy of the live tree."""
    upload = read_zip(data, limits, filename)
    if upload.module:
        files = replace_module(live_files(), upload.module, upload.files)
        origin = f"{filename}: module {upload.module}"
    else:
        files, origin = upload.files, f"{filename}: the whole content"
    candidate = create_candidate(files, based_on=live_fingerprint(), source=Source.UPLOAD, user=user, origin=origin)
    audit.record(
        "content.candidate_uploaded",
        f"candidate:{candidate.id}",
        file=filename,
        module=upload.module,
        fingerprint=candidate.fingerprint[:12],
    )
    return candidate


def candidate_from_git(source: GitSource, user: User | None, limits: Limits) -> tuple[Candidate, tuple[str, ...], bool]:
    """A candidate of the branch's latest commit; (candidate, files left out, True if it is new).

    The same commit fetched again (a second push notification, a second click) gives the open
    candidate already made from it.
    """
    fetched = fetch(source, limits)
    existing = db.session.scalar(
        select(Candidate)
        .where(
            Candidate.source == Source.GIT,
            Candidate.state == CandidateState.OPEN,
            Candidate.origin.endswith(f" at {fetched.commit[:12]}"),
        )
        .order_by(Candidate.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing, fetched.skipped, False
    candidate = create_candidate(
        fetched.files,
        based_on=live_fingerprint(),
        source=Source.GIT,
        user=user,
        origin=f"{source.label} at {fetched.commit[:12]}",
    )
    audit.record(
        "content.candidate_fetched",
        f"candidate:{candidate.id}",
        actor_id=user.id if user else None,
        repository=source.label,
        commit=fetched.commit,
        fingerprint=candidate.fingerprint[:12],
    )
    return candidate, fetched.skipped, True


def publish_candidate(candidate: Candidate, note: str, user: User) -> Publication:
    """Make the candidate the live version for every process, with an optional note to trainees."""
    db.session.refresh(candidate, with_for_update=True)  # two authors pressing Publish at once: the second waits
    if not candidate.is_open:
        raise PublishError("This candidate was already published or set aside.")
    if candidate.error_count is None or candidate.error_count:
        raise PublishError("This candidate has errors: fix them before publishing.")
    note = _note(note)
    previous = live_fingerprint()
    versions.publish(candidate.fingerprint, candidate.archive, note)
    candidate.state = CandidateState.PUBLISHED
    publication = Publication(
        fingerprint=candidate.fingerprint,
        kind=PublicationKind.PUBLISH,
        candidate_id=candidate.id,
        previous=previous,
        by_id=user.id,
        note=note,
    )
    db.session.add(publication)
    audit.record(
        "content.published",
        f"content:{candidate.fingerprint[:12]}",
        actor_id=user.id,
        previous=(previous or "")[:12],
        candidate=candidate.id,
        source=candidate.source,
        origin=candidate.origin,
        note=note,
    )
    db.session.flush()
    logger.info("content %s published by user %s", candidate.fingerprint[:12], user.id)
    return publication


def rollback(fingerprint: str, note: str, user: User) -> Publication:
    """Make an earlier content version live again."""
    row = db.session.get(ContentVersion, fingerprint)
    if row is None:
        raise PublishError("There is no such version.")
    previous = live_fingerprint()
    if previous == fingerprint:
        raise PublishError("This version is already live.")
    note = _note(note)
    errors = [p for p in check_content(extract(fingerprint, row.archive, content_state().cache))[1] if not p.warning]
    if errors:
        # Every process would try to load it and fail: the checker may have grown stricter since it was live.
        raise PublishError(
            f"This version no longer passes the check ({len(errors)} error(s), e.g. {errors[0].message}), "
            "so it cannot be made live again. Upload a corrected copy instead."
        )
    versions.publish(fingerprint, row.archive, note)
    publication = Publication(
        fingerprint=fingerprint, kind=PublicationKind.ROLLBACK, previous=previous, by_id=user.id, note=note
    )
    db.session.add(publication)
    audit.record(
        "content.rolled_back",
        f"content:{fingerprint[:12]}",
        actor_id=user.id,
        previous=(previous or "")[:12],
        note=note,
    )
    db.session.flush()
    logger.info("content rolled back to %s by user %s", fingerprint[:12], user.id)
    return publication


def discard(candidate: Candidate, user: User) -> None:
    """Set an open candidate aside (it stays listed; nothing is deleted)."""
    if not candidate.is_open:
        raise PublishError("This candidate was already published or set aside.")
    candidate.state = CandidateState.DISCARDED
    audit.record("content.candidate_discarded", f"candidate:{candidate.id}", actor_id=user.id)
    db.session.flush()


def _note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise PublishError(f"The note to trainees is longer than {NOTE_MAX} characters.")
    return note or None
