"""The last good content version, kept in the database so every app process serves the same one.

Start-up and reloads load the files on disk. When they are good, their archive becomes the active
version; when they have errors, the app keeps serving the active version from the database and
shows the errors to trainers (only a first start with no good version refuses to start). Each
process checks every few seconds whether another process has published a newer version.
"""

import hashlib
import io
import logging
import tarfile
import time
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import Index, LargeBinary, String, Text, select, text, update
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..clock import utcnow
from ..extensions import Model, db
from .catalog import Catalog
from .loader import check_content, load_catalog
from .problems import ContentError, Problem

logger = logging.getLogger(__name__)


class ContentVersion(Model):
    __tablename__ = "content_version"
    __table_args__ = (
        Index(
            "uq_content_version_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    #: SHA-256 of the archive, which is built byte-for-byte the same from the same files
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: tar.gz of the content folder (no dotfiles)
    archive: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    active: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "What's new": the publisher's note to trainees, shown once on their dashboard (None: no note)
    note: Mapped[str | None] = mapped_column(Text)
    #: when the note was written; trainees who joined later are not shown it
    noted_at: Mapped[datetime | None]


def snapshot(root: Path) -> tuple[str, bytes]:
    """A deterministic tar.gz of the content folder and its SHA-256."""
    files = {}
    real_root = root.resolve()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if not path.resolve().is_relative_to(real_root):
            continue  # a link out of the content folder: never read (it would be stored and served as content)
        files[rel.as_posix()] = path.read_bytes()
    return pack(files)


def pack(files: dict[str, bytes]) -> tuple[str, bytes]:
    """A deterministic tar.gz of these files (relative POSIX path -> bytes) and its SHA-256.

    The same files give the same bytes, whichever order they come in and wherever they came from
    (a folder, an upload, a git fetch), so a fingerprint names one content tree.
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as archive:
        for name in sorted(files):
            data = files[name]
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    # gzip stores a timestamp in its header (bytes 4-7): zero it so equal content gives equal bytes.
    raw = raw[:4] + b"\x00\x00\x00\x00" + raw[8:]
    return hashlib.sha256(raw).hexdigest(), raw


def unpack(archive: bytes) -> dict[str, bytes]:
    """The files of a stored archive (relative POSIX path -> bytes); only regular files are read."""
    files = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member) if member.isfile() else None
            if data is not None:
                files[member.name] = data.read()
    return files


def extract(fingerprint: str, archive: bytes, cache: Path) -> Path:
    """Unpack a version into the instance folder once; later loads reuse the folder."""
    target = cache / fingerprint
    if not target.is_dir():
        staging = cache / f".{fingerprint}.partial-{time.time_ns()}"
        staging.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            tar.extractall(staging, filter="data")  # the data filter refuses absolute paths and '..'
        try:
            staging.rename(target)
        except OSError:
            pass  # another process unpacked it first
    return target


class ContentState:
    """What this process serves, and the errors (if any) in the files on disk."""

    def __init__(self, app: Flask):
        self.app = app
        self.fingerprint: str | None = None
        self.problems: list[Problem] = []
        self.checked_at = 0.0
        self.disk_signature: tuple | None = None
        #: the active version's "What's new" note and when it was written (None: no note)
        self.note: tuple[str, datetime] | None = None

    @property
    def cache(self) -> Path:
        return Path(self.app.instance_path) / "content-versions"

    def serve(self, catalog: Catalog, fingerprint: str, note: tuple[str, datetime] | None = None) -> None:
        self.app.extensions["lms.catalog"] = catalog
        self.fingerprint = fingerprint
        self.note = note
        logger.info("serving content version %s", fingerprint[:12])

    def load_disk(self, keep_newer: bool = False) -> bool:
        """Load the files on disk; publish and serve them if good. False (errors kept) otherwise.

        With keep_newer (start-up), files that were published before and have since been replaced
        (by a version published from the browser, or a roll-back) do not undo that: the active
        version is served. Files never seen before (a deployment) are published as always.
        """
        root = Path(self.app.config["CONTENT_DIR"])
        catalog, problems = check_content(root)
        self.problems = [p for p in problems if not p.warning] if catalog is None else []
        self.disk_signature = disk_signature(root)
        if catalog is None:
            return False
        fingerprint, archive = snapshot(root)
        if keep_newer and _replaced(fingerprint) and self.load_active():
            return True
        publish(fingerprint, archive)
        self.serve(catalog, fingerprint)
        return True

    def load_active(self) -> bool:
        """Serve the active version from the database; False when there is none."""
        row = db.session.scalar(select(ContentVersion).where(ContentVersion.active.is_(True)))
        if row is None:
            return False
        if row.fingerprint != self.fingerprint:
            folder = extract(row.fingerprint, row.archive, self.cache)
            self.serve(
                load_catalog(folder), row.fingerprint, (row.note, row.noted_at) if row.note and row.noted_at else None
            )
        return True

    def follow(self) -> None:
        """Pick up a version another process published (checked every few seconds), or changed files in debug."""
        now = time.monotonic()
        if now - self.checked_at < self.app.config["CONTENT_CHECK_SECONDS"]:
            return
        self.checked_at = now
        if self.app.debug and disk_signature(Path(self.app.config["CONTENT_DIR"])) != self.disk_signature:
            self.load_disk()
            db.session.commit()
        active = db.session.scalar(select(ContentVersion.fingerprint).where(ContentVersion.active.is_(True)))
        if active is not None and active != self.fingerprint:
            self.load_active()


def publish(fingerprint: str, archive: bytes, note: str | None = None) -> None:
    """Make this version the active one (storing it the first time it is seen), with its note to trainees."""
    current = db.session.scalar(select(ContentVersion.fingerprint).where(ContentVersion.active.is_(True)))
    noted = {"note": note or None, "noted_at": utcnow() if note else None}
    if current == fingerprint:
        if note:
            db.session.execute(update(ContentVersion).where(ContentVersion.fingerprint == fingerprint).values(**noted))
        return
    db.session.execute(update(ContentVersion).where(ContentVersion.active.is_(True)).values(active=False))
    db.session.flush()
    if db.session.get(ContentVersion, fingerprint) is None:
        db.session.add(ContentVersion(fingerprint=fingerprint, archive=archive, active=True, **noted))
    else:
        db.session.execute(
            update(ContentVersion).where(ContentVersion.fingerprint == fingerprint).values(active=True, **noted)
        )
    db.session.flush()


def _replaced(fingerprint: str) -> bool:
    """True when this version was published before and another one is active now."""
    row = db.session.get(ContentVersion, fingerprint)
    return row is not None and not row.active


def disk_signature(root: Path) -> tuple:
    """A cheap fingerprint of the folder (names, sizes and modification times) to notice edits in debug."""
    entries = []
    for path in root.rglob("*"):
        if path.is_file():
            stat = path.stat()
            entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


def start(app: Flask) -> ContentState:
    """Start-up: serve the files on disk if good, else the last good version; refuse only with neither."""
    state = ContentState(app)
    with app.app_context():
        try:
            good = state.load_disk(keep_newer=True)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if not good and not state.load_active():
            raise ContentError(state.problems)
        if not good:
            logger.error(
                "content on disk has errors; serving the last good version %s:\n%s",
                (state.fingerprint or "")[:12],
                "\n".join(str(p) for p in state.problems),
            )
    return state
