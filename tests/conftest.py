"""Fixtures: an app per test on a real database, a client, a CLI runner, and factories.

The schema is built once per session by the real Alembic migrations; each test then gets a fresh
copy (SQLite) or emptied tables (PostgreSQL, when DATABASE_URL points at one).
"""

import os
import shutil
import subprocess
import time

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from lms import create_app
from lms.content import content_state
from lms.extensions import db

from helpers import CHEAP_ARGON2, PASSWORD, base_config, post  # noqa: F401 (re-exported for tests)

POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production: no `g` or session leaks from the test's."""

    def open(self, *args, **kwargs):
        from flask import has_app_context

        if has_app_context():
            # End the test's own transaction first, as a finished request would: its changes become
            # visible to the request, and its next query sees what the request wrote.
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A database migrated to head once per session: a file to copy, or the PostgreSQL URL."""
    if POSTGRES_URL:
        from sqlalchemy import create_engine

        uri = POSTGRES_URL.replace("postgres://", "postgresql+psycopg://").replace(
            "postgresql://", "postgresql+psycopg://"
        )
        engine = create_engine(uri)
        with engine.begin() as connection:  # start from an empty schema, whatever an earlier run left
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrated = create_app(base_config(uri, AUTO_MIGRATE=True))
        with migrated.app_context():
            db.engine.dispose()
        return uri
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app(base_config(f"sqlite:///{path}", AUTO_MIGRATE=True))
    with app.app_context():
        # Fold the write-ahead log into the file, so that copying the file copies the schema.
        db.session.remove()
        raw = db.engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        db.engine.dispose()
    return path


def _empty_postgres(app) -> None:
    """Empty the shared PostgreSQL database for this test, then store again the content version this
    app serves (emptying removed the one it stored at start-up), as a fresh SQLite copy would have it."""
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        content_state().load_disk()
        db.session.commit()


@pytest.fixture
def database_uri(template_database, tmp_path):
    if POSTGRES_URL:
        return template_database
    copy = tmp_path / "test.sqlite3"
    shutil.copy(template_database, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app_factory(database_uri):
    """Build an app on this test's database with extra settings (e.g. another content folder)."""
    apps = []

    def make(**overrides):
        app = create_app(base_config(database_uri, **overrides))
        app.test_client_class = IsolatedClient
        if POSTGRES_URL and not apps:
            _empty_postgres(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(request):
    """Factory: make_user(role="trainer", email=...) creates and commits an account (privacy notice accepted,
    as at registration; privacy_accepted=False for an account made by an import). It uses the app whose
    context is active (one from app_factory, say) and builds the default `app` only when there is none."""
    from lms.auth.operations import create_user

    counter = iter(range(1, 10_000))

    def make(
        role: str = "trainee",
        email: str | None = None,
        password: str = PASSWORD,
        display_name: str = "Test Person",
        legal_name: str = "Test Person Legal",
        privacy_accepted: bool = True,
    ):
        if not has_app_context():
            request.getfixturevalue("app")
        user = create_user(
            email or f"user{next(counter)}@example.org",
            password,
            display_name,
            legal_name,
            role,
            privacy_accepted=privacy_accepted,
        )
        db.session.commit()
        return user

    return make


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return post(self.client, "/account/login", {"email": email, "password": password, **extra})

    def logout(self):
        return post(self.client, "/account/logout", page="/dashboard")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def trainee(make_user, auth):
    """A signed-in trainee."""
    user = make_user(email="trainee@example.org")
    auth.login("trainee@example.org")
    return user


class RedisServer:
    """A real redis-server on a Unix socket that a test can stop and start again on the same address."""

    def __init__(self, folder):
        self.binary = shutil.which("redis-server")
        self.socket = folder / "redis.sock"
        self.folder = folder
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            if self.socket.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def redis_server(tmp_path):
    """A real redis-server on a Unix socket (server.socket), stopped after the test."""
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed: apt-get install -y redis-server"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the tests that need Redis always run
        pytest.skip(message)
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()
