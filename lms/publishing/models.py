"""Candidate content versions: stored in the database (so every process sees them), never live until published."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..clock import utcnow
from ..extensions import Model


class Source(enum.StrEnum):
    """Where a candidate's files came from."""

    UPLOAD = "upload"
    GIT = "git"
    EDITOR = "editor"
    DISK = "disk"


class CandidateState(enum.StrEnum):
    #: being checked, previewed or edited
    OPEN = "open"
    #: became the live version (it stays listed; later edits start a new candidate)
    PUBLISHED = "published"
    #: set aside by an author
    DISCARDED = "discarded"


class PublicationKind(enum.StrEnum):
    PUBLISH = "publish"
    ROLLBACK = "rollback"


class Candidate(Model):
    """A content tree that is not live: an upload, a git fetch or browser edits, with its check result."""

    __tablename__ = "content_candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the archive (lms.content.versions.pack): changes with every edit
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    #: tar.gz of the whole content tree, as a content version stores it
    archive: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    #: upload, git, editor or disk (Source)
    source: Mapped[str] = mapped_column(String(10))
    #: what it came from, in words: the uploaded file's name, "branch main at 3f2a1c9", ...
    origin: Mapped[str] = mapped_column(String(300), default="")
    #: the content version it was based on (the live one when it was made)
    based_on: Mapped[str | None] = mapped_column(ForeignKey("content_version.fingerprint", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default=CandidateState.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the checker's result for this fingerprint: [{"path", "line", "message", "warning"}], paths relative to the tree
    problems: Mapped[list | None] = mapped_column(JSON)
    #: errors among the problems (0: publishable); None until checked
    error_count: Mapped[int | None]

    @property
    def is_open(self) -> bool:
        return self.state == CandidateState.OPEN


class Publication(Model):
    """Who made which content version live, when, and why: a publish or a roll-back."""

    __tablename__ = "content_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(ForeignKey("content_version.fingerprint"), index=True)
    #: publish or rollback (PublicationKind)
    kind: Mapped[str] = mapped_column(String(10))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("content_candidate.id", ondelete="SET NULL"))
    #: the version that was live before
    previous: Mapped[str | None] = mapped_column(String(64))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the "What's new" note to trainees
    note: Mapped[str | None] = mapped_column(Text)
