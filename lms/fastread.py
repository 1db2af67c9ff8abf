"""Plain DB-API reads for the few queries that run on almost every request.

Loading one row through the ORM costs about 0.2 ms here (a session, a connection checkout, a
transaction, identity map and unit-of-work bookkeeping); the same row from a cursor on a pooled
connection costs about 0.015 ms. On a page that renders in about 1 ms, that decides the
throughput, so the reads every signed-in request makes (the user, a lesson's progress, a
certificate being verified or downloaded) use this module, and so do the role-play step's writes
(on the ORM session's own connection); everything else uses the ORM.

SQL is written once with ``:name`` parameters (SQLite's style) and translated for psycopg. Every
thread keeps one connection of its own in autocommit mode (SQLite file or PostgreSQL), so
each read sees the latest commit and a request pays no pool check-out and check-in: about 25
microseconds on SQLite, and on PostgreSQL two round trips (the pool's pre-ping and its rollback on
return). A kept PostgreSQL connection that was closed under it is replaced and the read retried once.
The connections close when the engine is disposed. (An in-memory SQLite database borrows from the
pool per request instead.)
"""
import json
import os
import re
import sqlite3
import threading
from datetime import datetime

from flask import Flask, current_app, g
from sqlalchemy import JSON, Boolean, DateTime, event, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from .extensions import db

_NAMED = re.compile(r"(?<!:):(\w+)")
_translated: dict[str, str] = {}


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        own = database not in (None, "", ":memory:") and not database.startswith("file:")
        opener = (lambda: sqlite3.connect(database, timeout=10, isolation_level=None, check_same_thread=False)) \
            if own else None
    else:
        def opener():
            # A connection of the engine's own making, taken out of its pool for good; in autocommit mode
            # no read leaves a transaction open between requests.
            connection = engine.raw_connection()
            connection.detach()
            connection.dbapi_connection.autocommit = True
            return connection
    connections = _OwnConnections(opener) if opener else None
    app.extensions["lms.fastread"] = connections
    if connections is not None:
        event.listen(engine, "engine_disposed", lambda _engine: connections.close_all())

    @app.teardown_appcontext
    def _give_back(_exc):
        connection = g.pop("fastread_connection", None)
        if connection is not None:
            connection.close()  # back to the pool, which resets it


class _OwnConnections:
    """One read connection per thread, kept for the life of the process (never one inherited across
    a fork), closed when the engine is disposed."""

    def __init__(self, opener):
        self.opener = opener
        self.local = threading.local()
        self.opened: list = []  # (pid, connection) of every thread, for close_all
        self.lock = threading.Lock()

    def get(self):
        connection = getattr(self.local, "connection", None)
        if connection is None or self.local.pid != os.getpid():
            connection = self.local.connection = self.opener()
            self.local.pid = os.getpid()
            with self.lock:
                self.opened.append((self.local.pid, connection))
        return connection

    def drop(self) -> None:
        """Forget this thread's connection (it broke); the next read opens a new one."""
        connection, self.local.connection = getattr(self.local, "connection", None), None
        if connection is not None:
            _close_quietly(connection)

    def close_all(self) -> None:
        with self.lock:
            mine = [c for pid, c in self.opened if pid == os.getpid()]
            self.opened = [(pid, c) for pid, c in self.opened if pid != os.getpid()]
        for connection in mine:
            _close_quietly(connection)
        self.local = threading.local()


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # nosec B110 - already broken or closed: nothing left to release
        pass


def _sql(statement: str) -> str:
    if db.engine.dialect.name != "postgresql":
        return statement
    translated = _translated.get(statement)
    if translated is None:
        translated = _translated[statement] = _NAMED.sub(r"%(\1)s", statement)
    return translated


def _run(statement: str, params: dict, fetch):
    """Execute on this thread's own connection (or a pooled one), retrying once on a fresh connection
    if the kept one was closed under it (a database restart, an idle timeout)."""
    own = current_app.extensions.get("lms.fastread")
    if own is None:
        connection = g.get("fastread_connection")
        if connection is None:
            connection = g.fastread_connection = db.engine.raw_connection()
        return _execute(connection, statement, params, fetch)
    try:
        return _execute(own.get(), statement, params, fetch)
    except db.engine.dialect.loaded_dbapi.Error:
        # Most likely the kept connection died; a fresh one either works or raises the real error.
        own.drop()
        return _execute(own.get(), statement, params, fetch)


def _execute(connection, statement: str, params: dict, fetch):
    cursor = connection.cursor()
    try:
        cursor.execute(_sql(statement), params)
        return fetch(cursor)
    finally:
        cursor.close()


def one(statement: str, **params) -> tuple | None:
    """The first row of a query, or None."""
    return _run(statement, params, lambda cursor: cursor.fetchone())


def all_rows(statement: str, **params) -> list[tuple]:
    return _run(statement, params, lambda cursor: cursor.fetchall())


def timestamp(value) -> datetime | None:
    """A DateTime column as the ORM would return it (SQLite stores it as ISO text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _bool(value):
    return None if value is None else bool(value)


def _json(value):
    return None if value is None else json.loads(value)


#: what SQLite hands back as text or integers and the ORM would convert (psycopg converts these itself)
_SQLITE_CONVERTERS = ((DateTime, timestamp), (Boolean, _bool), (JSON, _json))
_models: dict[type, tuple[str, tuple[str, ...], tuple]] = {}


def _model_query(model: type) -> tuple[str, tuple[str, ...], tuple]:
    spec = _models.get(model)
    if spec is None:
        mapper = inspect(model)
        attributes = [p for p in mapper.column_attrs if not p.deferred]
        names = tuple(p.key for p in attributes)
        columns = [p.columns[0] for p in attributes]
        converters = tuple(next((f for kind, f in _SQLITE_CONVERTERS if isinstance(c.type, kind)), None) for c in columns)
        (key,) = mapper.primary_key
        quoted = ", ".join(f'"{c.name}"' for c in columns)
        # Names come from the model's own table definition, never from a request; the key is a parameter.
        sql = f'SELECT {quoted} FROM "{mapper.local_table.name}" WHERE "{key.name}" = :key'  # nosec B608
        spec = _models[model] = (sql, names, converters)
    return spec


def _instance(model: type, names: tuple[str, ...], converters: tuple, row):
    if db.engine.dialect.name == "sqlite":
        row = [v if f is None else f(v) for v, f in zip(row, converters)]
    # As the ORM's own loader does: values go straight into the instance, no change events.
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(zip(names, row))
    make_transient_to_detached(instance)
    return instance


def get_for_update(model: type, key):
    """db.session.get(model, key, with_for_update=True), for the busiest write: one statement on the
    session's own connection, inside its transaction (FOR UPDATE on PostgreSQL; on SQLite the
    request's BEGIN IMMEDIATE already holds the write lock), without the ORM's loading machinery."""
    if db.session.identity_map.get(identity_key(model, key)) is not None:
        return db.session.get(model, key, with_for_update=True)
    sql, names, converters = _model_query(model)
    if db.engine.dialect.name == "postgresql":
        sql += " FOR UPDATE"
    cursor = session_cursor()
    try:
        cursor.execute(_sql(sql), {"key": key})
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    instance = _instance(model, names, converters, row)
    db.session.add(instance)
    return instance


def session_cursor():
    """A DB-API cursor on the ORM session's own connection, inside its transaction (starting it if
    need be: BEGIN IMMEDIATE for a writing request on SQLite)."""
    return db.session.connection().connection.cursor()


def in_session(statement: str, **params):
    """Run one statement on the session's connection, inside its transaction; returns the cursor's
    first row for a query, else None. For the busiest write (a role-play step); dates are bound as
    the ORM stores them. Nothing the ORM holds is flushed first: use it only where the ORM has nothing
    pending for these tables."""
    if db.engine.dialect.name == "sqlite":
        params = {k: v.strftime(_SQLITE_TIME) if isinstance(v, datetime) else v for k, v in params.items()}
    cursor = session_cursor()
    try:
        cursor.execute(_sql(statement), params)
        return cursor.fetchone() if cursor.description else None
    finally:
        cursor.close()


#: how SQLAlchemy's SQLite dialect stores a DateTime
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def get(model: type, key, *, attach: bool = False):
    """A row by primary key as an instance of `model`, as if the ORM had loaded it (deferred columns
    are left out), or None. With attach, the instance joins the request's ORM session: changes to it
    are tracked as usual and anything not loaded loads when asked for. Detached, it is read-only."""
    sql, names, converters = _model_query(model)
    row = one(sql, key=key)
    if row is None:
        return None
    instance = _instance(model, names, converters, row)
    if attach:
        db.session.add(instance)
    return instance
