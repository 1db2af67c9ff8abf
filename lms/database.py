"""Engine settings that keep SQLite safe for a multi-process web app, and a start-up lock.

SQLite: WAL, a busy timeout and foreign keys on every connection. Writing transactions start with
BEGIN IMMEDIATE, so a request that will write takes the write lock before it reads: a deferred
transaction that reads and then writes can fail with "database is locked" when another process
wrote in between, and autocommit read-modify-write can silently lose updates. A request writes
when its method is not GET/HEAD; a GET that records something (a lesson view) calls begin_write().
"""
import fcntl
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, text

from .extensions import db


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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing() else "BEGIN")

    @app.before_request
    def _intent():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g.sqlite_write = True


def _writing() -> bool:
    """In a request, only when it said it will write; outside requests (CLI, start-up), deferred."""
    return has_request_context() and bool(g.get("sqlite_write"))


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
                    connection.execute(text("SELECT pg_advisory_lock(742001)"))
                    try:
                        yield
                    finally:
                        connection.execute(text("SELECT pg_advisory_unlock(742001)"))
                        connection.commit()
            else:
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

