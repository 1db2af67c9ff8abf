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
from sqlalchemy import Index, LargeBinary, String, select, text, update
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..clock import utcnow
from ..extensions import db
from .catalog import Catalog
from .loader import inspect, load_catalog
from .problems import ContentError, Problem

logger = logging.getLogger(__name__)


class ContentVersion(db.Model):
    __tablename__ = "content_version"
    __table_args__ = (Index("uq_content_version_active", "active", unique=True,
                            sqlite_where=text("active"), postgresql_where=text("active")),)

    #: SHA-256 of the archive, which is built byte-for-byte the same from the same files
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: tar.gz of the content folder (no dotfiles)
    archive: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    active: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


def snapshot(root: Path) -> tuple[str, bytes]:
    """A deterministic tar.gz of the content folder and its SHA-256."""
    buffer = io.BytesIO()
    real_root = root.resolve()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if not path.resolve().is_relative_to(real_root):
                continue  # a link out of the content folder: never read (it would be stored and served as content)
            data = path.read_bytes()
            info = tarfile.TarInfo(rel.as_posix())
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    # gzip stores a timestamp in its header (bytes 4-7): zero it so equal content gives equal bytes.
    raw = raw[:4] + b"\x00\x00\x00\x00" + raw[8:]
    return hashlib.sha256(raw).hexdigest(), raw


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
        self.disk_signature = None

    @property
    def cache(self) -> Path:
        return Path(self.app.instance_path) / "content-versions"

    def serve(self, catalog: Catalog, fingerprint: str) -> None:
        self.app.extensions["lms.catalog"] = catalog
        self.fingerprint = fingerprint
        logger.info("serving content version %s", fingerprint[:12])

    def load_disk(self) -> bool:
        """Load the files on disk; publish and serve them if good. False (errors kept) otherwise."""
        root = Path(self.app.config["CONTENT_DIR"])
        catalog, problems = inspect(root)
        self.problems = [p for p in problems if not p.warning] if catalog is None else []
        self.disk_signature = disk_signature(root)
        if catalog is None:
            return False
        fingerprint, archive = snapshot(root)
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
            self.serve(load_catalog(folder), row.fingerprint)
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


def publish(fingerprint: str, archive: bytes) -> None:
    """Make this version the active one (storing it the first time it is seen)."""
    current = db.session.scalar(select(ContentVersion.fingerprint).where(ContentVersion.active.is_(True)))
    if current == fingerprint:
        return
    db.session.execute(update(ContentVersion).where(ContentVersion.active.is_(True)).values(active=False))
    db.session.flush()
    if db.session.get(ContentVersion, fingerprint) is None:
        db.session.add(ContentVersion(fingerprint=fingerprint, archive=archive, active=True))
    else:
        db.session.execute(update(ContentVersion).where(ContentVersion.fingerprint == fingerprint).values(active=True))
    db.session.flush()


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
            good = state.load_disk()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if not good and not state.load_active():
            raise ContentError(state.problems)
        if not good:
            logger.error("content on disk has errors; serving the last good version %s:\n%s",
                         state.fingerprint[:12], "\n".join(str(p) for p in state.problems))
    return state
