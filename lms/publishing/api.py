"""Publishing's API for other code (the browser editor): candidate versions, their files, checks and catalogs.

A candidate is a whole content tree that is not live. It is stored in the database as the same
deterministic archive a content version is (lms.content.versions.pack), so every app process sees it
and its fingerprint names its files exactly. Its check result is kept on it and refreshed on every change.

Candidates are edited in place: `write_file` on an open candidate replaces its archive (and so its
fingerprint) and checks it again, and returns the same row. Once a candidate is published or discarded
it never changes; `write_file` on it returns a new candidate based on it. Every function here flushes
and never commits: the view commits once.

    live = live_files()                                   # the active version's files
    cand = create_candidate({**live, "modules/x/index.md": b"..."}, based_on=live_fingerprint(),
                            source=Source.EDITOR, user=current_user)
    problems = check(cand)                                # [Problem(path, line, message, warning)]
    cand = write_file(cand, "modules/x/index.md", b"...", current_user)
    catalog = catalog_for(cand)                           # None while it has errors

Pages: the candidate page (publishing.candidate) links each problem to `url_for("publishing.edit",
candidate_id=..., path=...) + "#L<line>"` once an endpoint of that name exists, else to the plain file
view (publishing.file, with an anchor per line). lms.publishing.preview.start_preview(candidate) previews
a candidate in the current session; publishing.practice plays its role-plays with nothing recorded.
"""

import logging
import shutil
import time
from collections import OrderedDict
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..auth.models import User
from ..clock import utcnow
from ..content.catalog import Catalog
from ..content.loader import check_content
from ..content.problems import Problem
from ..content.versions import ContentVersion, extract, pack, unpack
from ..extensions import db
from .archive import path_problem
from .models import Candidate, CandidateState, Source

logger = logging.getLogger(__name__)
#: catalogs of candidates kept per process (each holds a rendered content tree)
CATALOGS_KEPT = 8
#: unpacked candidates older than this are removed from the instance folder (a preview unpacks again)
KEEP_UNPACKED_SECONDS = 2 * 24 * 3600

__all__ = [
    "Candidate",
    "CandidateError",
    "CandidateState",
    "Problem",
    "Source",
    "cached_catalog",
    "candidate_files",
    "catalog_for",
    "changed_files",
    "check",
    "create_candidate",
    "get_candidate",
    "live_files",
    "live_fingerprint",
    "problems_of",
    "replace_files",
    "replace_module",
    "version_files",
    "write_file",
]


class CandidateError(ValueError):
    """A file that may not be in a content tree (its path or type), in words for the author."""


def live_fingerprint() -> str | None:
    """The fingerprint of the active content version (the one every process serves)."""
    return db.session.scalar(select(ContentVersion.fingerprint).where(ContentVersion.active.is_(True)))


def live_files() -> dict[str, bytes]:
    """The files of the active content version (relative POSIX path -> bytes)."""
    row = db.session.scalar(select(ContentVersion).where(ContentVersion.active.is_(True)))
    return unpack(row.archive) if row is not None else {}


def version_files(fingerprint: str) -> dict[str, bytes] | None:
    """The files of a stored content version, or None when there is no such version."""
    row = db.session.get(ContentVersion, fingerprint)
    return unpack(row.archive) if row is not None else None


def get_candidate(candidate_id: int) -> Candidate | None:
    return db.session.get(Candidate, candidate_id)


def create_candidate(
    files: dict[str, bytes], *, based_on: str | None, source: Source, user: User | None, origin: str = ""
) -> Candidate:
    """Store these files (a whole content tree) as a new open candidate, checked; CandidateError for a bad path."""
    _check_paths(files)
    fingerprint, archive = pack(files)
    now = utcnow()
    candidate = Candidate(
        fingerprint=fingerprint,
        archive=archive,
        source=Source(source),
        origin=origin[:300],
        based_on=based_on if based_on and db.session.get(ContentVersion, based_on) else None,
        state=CandidateState.OPEN,
        created_by_id=user.id if user else None,
        created_at=now,
        updated_by_id=user.id if user else None,
        updated_at=now,
    )
    db.session.add(candidate)
    db.session.flush()
    check(candidate)
    logger.info(
        "candidate %s (%s, %s) made by %s", candidate.id, source, fingerprint[:12], user.id if user else "system"
    )
    return candidate


def candidate_files(candidate: Candidate) -> dict[str, bytes]:
    """The candidate's files (relative POSIX path -> bytes)."""
    return unpack(candidate.archive)


def write_file(candidate: Candidate, path: str, data: bytes | None, user: User) -> Candidate:
    """Write (or, with data None, delete) one file: the same candidate while it is open, else a new one based on it."""
    files = candidate_files(candidate)
    if data is None:
        files.pop(path, None)
    else:
        files[path] = data
    return replace_files(candidate, files, user)


def replace_files(candidate: Candidate, files: dict[str, bytes], user: User) -> Candidate:
    """Give the candidate these files (the same candidate while it is open, else a new one based on it)."""
    if not candidate.is_open:
        based_on = (
            candidate.fingerprint if db.session.get(ContentVersion, candidate.fingerprint) else candidate.based_on
        )
        return create_candidate(
            files, based_on=based_on, source=Source.EDITOR, user=user, origin=f"edited from candidate {candidate.id}"
        )
    _check_paths(files)
    candidate.fingerprint, candidate.archive = pack(files)
    candidate.updated_by_id, candidate.updated_at = user.id, utcnow()
    db.session.flush()
    check(candidate)
    return candidate


def replace_module(files: dict[str, bytes], slug: str, module_files: dict[str, bytes]) -> dict[str, bytes]:
    """A copy of a content tree with modules/<slug>/ replaced by these files (names relative to the module folder)."""
    prefix = f"modules/{slug}/"
    kept = {name: data for name, data in files.items() if not name.startswith(prefix)}
    return {**kept, **{prefix + name: data for name, data in module_files.items()}}


def changed_files(candidate: Candidate) -> dict[str, list[str]]:
    """The candidate's files added, removed and changed compared with the version it was based on."""
    files = candidate_files(candidate)
    base = version_files(candidate.based_on) if candidate.based_on else None
    base = base or {}
    return {
        "added": sorted(files.keys() - base.keys()),
        "removed": sorted(base.keys() - files.keys()),
        "changed": sorted(n for n in files.keys() & base.keys() if files[n] != base[n]),
    }


def check(candidate: Candidate) -> list[Problem]:
    """Run the content checker on the candidate; its errors and warnings (paths relative to the tree), kept on it."""
    folder = _folder(candidate)
    catalog, problems = check_content(folder)
    relative = sorted(Problem(_relative(p.path, folder), p.line, p.message, p.warning) for p in problems)
    candidate.problems = [
        {"path": p.path, "line": p.line, "message": p.message, "warning": p.warning} for p in relative
    ]
    candidate.error_count = sum(1 for p in relative if not p.warning)
    if catalog is not None:
        _remember(candidate.fingerprint, catalog)
    db.session.flush()
    return relative


def problems_of(candidate: Candidate) -> list[Problem]:
    """The candidate's last check result (checking it if it never was)."""
    if candidate.problems is None:
        return check(candidate)
    return [Problem(p["path"], p["line"], p["message"], p["warning"]) for p in candidate.problems]


def catalog_for(candidate: Candidate) -> Catalog | None:
    """The candidate's Catalog, loaded once per fingerprint in each process; None while it has errors."""
    cached = _catalogs().get(candidate.fingerprint)
    if cached is not None:
        _catalogs().move_to_end(candidate.fingerprint)
        return cached
    if candidate.error_count:
        return None
    catalog, _ = check_content(_folder(candidate))
    if catalog is not None:
        _remember(candidate.fingerprint, catalog)
    return catalog


def cached_catalog(fingerprint: str) -> Catalog | None:
    """A candidate catalog this process has already loaded (no database access)."""
    return _catalogs().get(fingerprint)


def _check_paths(files: dict[str, bytes]) -> None:
    for name in files:
        problem = path_problem(name)
        if problem:
            raise CandidateError(problem)


def _folder(candidate: Candidate) -> Path:
    """The candidate unpacked under the instance folder, once per fingerprint (shared by the processes)."""
    cache = Path(current_app.instance_path) / "content-candidates"
    if not (cache / candidate.fingerprint).is_dir():
        _prune(cache)
    return extract(candidate.fingerprint, candidate.archive, cache)


def _prune(cache: Path) -> None:
    """Remove unpacked candidates nobody has unpacked for a while: every edit unpacks a new one."""
    if not cache.is_dir():
        return
    cutoff = time.time() - KEEP_UNPACKED_SECONDS
    for folder in cache.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)
        except OSError:
            pass  # another process removed it first


def _relative(path: str, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return path


def _catalogs() -> OrderedDict:
    return current_app.extensions.setdefault("lms.candidate_catalogs", OrderedDict())


def _remember(fingerprint: str, catalog: Catalog) -> None:
    catalogs = _catalogs()
    catalogs[fingerprint] = catalog
    catalogs.move_to_end(fingerprint)
    while len(catalogs) > CATALOGS_KEPT:
        catalogs.popitem(last=False)
