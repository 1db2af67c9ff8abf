"""Engine settings that keep SQLite safe for a multi-process web app, and a start-up lock.

SQLite: WAL, a busy timeout and foreign keys on every connection. Writing transactions start with
BEGIN IMMEDIATE, so a request that will write takes the write lock before it reads: a deferred
transaction that reads and then writes can fail with "database is locked" when another process
wrote in between, and autocommit read-modify-write can silently lose updates. A request writes
when its method is not GET/HEAD; a GET that records something (a lesson view) calls begin_write().

Writers also queue for their turn on a file lock next to the database before BEGIN IMMEDIATE.
SQLite alone makes a writer that finds the database locked sleep and retry with growing pauses,
far longer than a role-play step holds the lock (bench/README.md); a file lock wakes the next
writer the moment the turn is released. It is released when the connection goes back to the
pool, after its commit or rollback.
"""

import fcntl
import logging
import os
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import Connection, Engine, Executable, Row, event, func, make_url, select
from sqlalchemy.exc import DBAPIError

from .extensions import db

logger = logging.getLogger(__name__)


def init_database(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # Take transaction control from the sqlite3 module, so that BEGIN is ours to write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the database; a power cut (not an app crash) may undo the
        # last few commits. It saves an fsync on every commit, which dominated writing requests.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows (closed accounts, purged answers) are overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    turns = _WriterTurns(engine.url.database)

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # a kept read connection (below): each statement stands alone, no snapshot is held open
        if _writing():
            turns.take()
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, _record):
        turns.release()

    @app.teardown_appcontext
    def _release_turn(_exc):
        turns.release()  # a backstop: the connection's check-in has normally released it

    @app.before_request
    def _intent():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g.sqlite_write = True


class _WriterTurns:
    """One writer at a time per database, queued in the kernel (flock), per thread."""

    def __init__(self, database: str | None):
        self.path = f"{database}-writers.lock" if database and database != ":memory:" else None
        self.held = threading.local()

    def take(self) -> None:
        if self.path is None or getattr(self.held, "fd", None) is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.held.fd = fd

    def release(self) -> None:
        fd = getattr(self.held, "fd", None)
        if fd is not None:
            self.held.fd = None
            os.close(fd)  # closing the file releases its lock


def _writing() -> bool:
    """Only when the request (or a command or background job, by begin_write) said it will write."""
    return has_app_context() and bool(g.get("sqlite_write"))


def wipe_freed_pages() -> None:
    """After deleting personal data (SQLite): copy the write-ahead log into the database and empty it.

    With secure_delete the database file keeps no deleted text, but the WAL still holds the pages as they
    were before, until a checkpoint; TRUNCATE also cuts the WAL file to zero bytes. Call it after the commit.
    """
    if db.engine.dialect.name != "sqlite":
        return
    raw = db.engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def secure_instance(app: Flask) -> None:
    """The instance folder owner-only (0700), and the SQLite database, its WAL/SHM and the key and lock
    files in it owner-only (0600): they hold the signing key, password hashes, 2FA secrets and answers."""
    instance = Path(app.instance_path)
    database = _sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])
    previous = os.umask(0o077)  # whatever is created from here on (by us or by SQLite) is owner-only
    try:
        instance.mkdir(parents=True, exist_ok=True)
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
            database.touch(exist_ok=True)  # SQLite gives its -wal and -shm files the database file's mode
    finally:
        os.umask(previous)
    _chmod(instance, 0o700)
    files = [instance / "secret_key", instance / "startup.lock"]
    if database is not None:
        files += [Path(f"{database}{suffix}") for suffix in ("", "-wal", "-shm", "-writers.lock")]
    for path in files:
        _chmod(path, 0o600)


def _sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite"):
        return None
    name = make_url(uri).database
    return Path(name) if name and name != ":memory:" and not name.startswith("file:") else None


def _chmod(path: Path, mode: int) -> None:
    # Tighten only what this process owns (a shared instance folder may belong to someone else).
    try:
        if path.exists() and path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError as exc:
        logger.warning("could not make %s owner-only: %s", path, exc)


def begin_write() -> None:
    """End the current read transaction; the next one takes SQLite's write lock from its start."""
    if not g.get("sqlite_write"):
        db.session.commit()
        g.sqlite_write = True


@contextmanager
def startup_lock(app: Flask):
    """Serialise start-up work (migrations, first key, content publishing) across processes:
    a file lock between processes on one host, and an advisory lock in PostgreSQL across hosts."""
    path = Path(app.instance_path) / "startup.lock"
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
                with app.app_context(), db.engine.connect() as connection:
                    connection.execute(select(func.pg_advisory_lock(742001)))
                    try:
                        yield
                    finally:
                        connection.execute(select(func.pg_advisory_unlock(742001)))
                        connection.commit()
            else:
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- the kept read connections -----------------------------------------------------------------


def init_reads(app: Flask) -> None:
    """Give every thread of this process one kept AUTOCOMMIT connection for `read_one`/`read_all`.

    A handful of reads run on nearly every request (the signed-in user, a lesson's progress, a
    certificate being verified). They are Core `select()` statements defined in the owning package's
    `api.py` and run here, on a connection each thread keeps for the life of its process: no pool
    check-out per request, and no transaction (each read sees the latest commit; the SQLite `begin`
    listener above sends no BEGIN on it). The connection is the engine's own, so its `connect`
    listeners (the SQLite PRAGMAs) apply. Nothing is ever written through it. An in-memory SQLite
    database has one connection only, so there the reads run on the request's session instead.
    """
    with app.app_context():
        engine = db.engine
    database = engine.url.database
    in_memory = engine.url.get_backend_name() == "sqlite" and (
        not database or database == ":memory:" or database.startswith("file:")
    )
    kept = None if in_memory else _KeptConnections(engine)
    app.extensions["lms.reads"] = kept
    if kept is not None:
        event.listen(engine, "engine_disposed", lambda _engine: kept.close_all())


class _Kept:
    """A thread's kept connection. When its thread ends, Python drops the thread's local data, and the
    finalizer closes the connection: a server that starts a thread per request keeps no connection
    per finished request."""

    def __init__(self, connection: Connection, owner: "_KeptConnections"):
        self.connection, self.pid = connection, os.getpid()
        weakref.finalize(self, owner.release, connection)


class _KeptConnections:
    """One AUTOCOMMIT connection per live thread and process (never one inherited across a fork), taken
    out of the pool for good, closed when its thread ends or the engine is disposed."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.local = threading.local()
        #: every open kept connection, with the process that opened it
        self.opened: dict[Connection, int] = {}
        self.lock = threading.Lock()

    def get(self) -> Connection:
        kept = getattr(self.local, "kept", None)
        if kept is None or kept.pid != os.getpid():
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            connection.detach()  # ours for good: the pool neither counts it nor resets it
            with self.lock:
                self.opened[connection] = os.getpid()
            kept = self.local.kept = _Kept(connection, self)
        return kept.connection

    def release(self, connection: Connection) -> None:
        """Close a kept connection (its thread ended, it broke, or the engine is going)."""
        with self.lock:
            mine = self.opened.pop(connection, None) == os.getpid()
        if mine:
            _close_quietly(connection)

    def drop(self) -> None:
        """Forget this thread's connection (it broke); the next read opens a new one."""
        kept, self.local.kept = getattr(self.local, "kept", None), None
        if kept is not None:
            self.release(kept.connection)

    def close_all(self) -> None:
        with self.lock:
            mine = [c for c, pid in self.opened.items() if pid == os.getpid()]
        for connection in mine:
            self.release(connection)
        self.local = threading.local()


def _close_quietly(connection: Connection) -> None:
    try:
        connection.close()
    except DBAPIError:
        pass  # already broken: nothing left to release


def _read(statement: Executable, params: dict, fetch):
    kept = current_app.extensions.get("lms.reads")
    if kept is None:
        return fetch(db.session.execute(statement, params))
    try:
        return fetch(kept.get().execute(statement, params))
    except DBAPIError:
        # Most likely the kept connection died (a database restart, an idle timeout): a fresh one
        # either works or raises the real error.
        kept.drop()
        return fetch(kept.get().execute(statement, params))


def read_one(statement: Executable, **params) -> Row | None:
    """The first row of a hot read (see init_reads), or None."""
    return _read(statement, params, lambda result: result.first())


def read_all(statement: Executable, **params) -> list[Row]:
    """Every row of a hot read (see init_reads)."""
    return _read(statement, params, lambda result: result.all())
