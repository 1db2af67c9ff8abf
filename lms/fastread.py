"""Plain DB-API reads for the few queries that run on almost every request.

Loading one row through the ORM costs about 0.2 ms here (a session, a connection checkout, a
transaction, identity map and unit-of-work bookkeeping); the same row from a cursor on a pooled
connection costs about 0.015 ms. On a page that renders in about 1 ms, that decides the
throughput, so the reads every signed-in request makes (the user, a lesson's progress, a
certificate being verified or downloaded) use this module; everything else, and every write, uses
the ORM.

SQL is written once with ``:name`` parameters (SQLite's style) and translated for psycopg. On
PostgreSQL each request borrows a connection from the engine's pool on first use, and the pool
rolls its read transaction back when the request gives it back. On a SQLite file each thread keeps
one connection of its own in autocommit mode, so each read sees the latest commit, and a request
pays neither a pool check-out nor a check-in (about 20 microseconds together).
"""
import json
import os
import re
import sqlite3
import threading
from datetime import datetime

from flask import Flask, current_app, g
from sqlalchemy import JSON, Boolean, DateTime, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from .extensions import db

_NAMED = re.compile(r"(?<!:):(\w+)")
_translated: dict[str, str] = {}


def init_app(app: Flask) -> None:
    with app.app_context():
        url = db.engine.url
    database = url.database if url.get_backend_name() == "sqlite" else None
    own = database not in (None, "", ":memory:") and not database.startswith("file:")
    app.extensions["lms.fastread"] = _ThreadConnections(database) if own else None

    @app.teardown_appcontext
    def _give_back(_exc):
        connection = g.pop("fastread_connection", None)
        if connection is not None:
            connection.close()  # back to the pool, which resets it


class _ThreadConnections(threading.local):
    """One read connection per thread (and process: never one inherited across a fork)."""

    def __init__(self, database: str):
        self.database, self.connection, self.pid = database, None, None

    def get(self) -> sqlite3.Connection:
        if self.connection is None or self.pid != os.getpid():
            self.connection = sqlite3.connect(self.database, timeout=10, isolation_level=None, check_same_thread=False)
            self.pid = os.getpid()
        return self.connection


def _sql(statement: str) -> str:
    if db.engine.dialect.name != "postgresql":
        return statement
    translated = _translated.get(statement)
    if translated is None:
        translated = _translated[statement] = _NAMED.sub(r"%(\1)s", statement)
    return translated


def _cursor():
    own = current_app.extensions.get("lms.fastread")
    if own is not None:
        return own.get().cursor()
    connection = g.get("fastread_connection")
    if connection is None:
        connection = g.fastread_connection = db.engine.raw_connection()
    return connection.cursor()


def one(statement: str, **params) -> tuple | None:
    """The first row of a query, or None."""
    cursor = _cursor()
    try:
        cursor.execute(_sql(statement), params)
        return cursor.fetchone()
    finally:
        cursor.close()


def all_rows(statement: str, **params) -> list[tuple]:
    cursor = _cursor()
    try:
        cursor.execute(_sql(statement), params)
        return cursor.fetchall()
    finally:
        cursor.close()


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


def _new_instance(model: type):
    return inspect(model).class_manager.new_instance()


def _instance(model: type, names: tuple[str, ...], converters: tuple, row):
    if db.engine.dialect.name == "sqlite":
        row = [v if f is None else f(v) for v, f in zip(row, converters)]
    # As the ORM's own loader does: values go straight into the instance, no change events.
    instance = _new_instance(model)
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
