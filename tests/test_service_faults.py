"""Services that fail under a running app (issue #18): a Redis that is stopped and restarted, and a
PostgreSQL that is restarted."""

import glob
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from lms import create_app, ratelimit
from lms.auth.operations import create_user
from lms.extensions import db

from helpers import PASSWORD, base_config, post


def _missing(message: str) -> None:
    """Skip where a tool is missing on a developer's machine; in CI the fault tests always run."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_with_redis_stopped_limits_count_per_process_with_a_warning_and_are_shared_again_after_it_restarts(
    app_factory, redis_server, monkeypatch, caplog
):
    monkeypatch.setattr(ratelimit, "RETRY_SHARED_AFTER", 0.0)  # try Redis again on every request
    settings = dict(
        RATELIMIT_ENABLED=True,
        VERIFY_RATE_LIMIT="3 per minute",
        RATELIMIT_STORAGE_URI=f"redis+unix://{redis_server.socket}",
    )
    one, two = app_factory(**settings).test_client(), app_factory(**settings).test_client()
    assert [c.get("/verify").status_code for c in (one, two, one, two)] == [200, 200, 200, 429], "shared"

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="lms.ratelimit"):
        # Each process counts on its own from zero: still limited, never a 500.
        assert [one.get("/verify").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert [two.get("/verify").status_code for _ in range(4)] == [200, 200, 200, 429]
    warnings = [r.getMessage() for r in caplog.records if r.name == "lms.ratelimit"]
    assert len(warnings) == 2 and all("counting per process" in w for w in warnings), "one warning per process"

    caplog.clear()
    redis_server.start()  # empty: its counts were lost with it
    with caplog.at_level(logging.WARNING, logger="lms.ratelimit"):
        codes = [c.get("/verify").status_code for c in (one, two, one, two)]
    assert codes == [200, 200, 200, 429], "shared again through the restarted Redis"
    assert [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()].__len__() == 2


def test_an_app_started_while_redis_is_down_serves_and_limits(app_factory, redis_server):
    redis_server.stop()
    app = app_factory(
        RATELIMIT_ENABLED=True,
        VERIFY_RATE_LIMIT="2 per minute",
        RATELIMIT_STORAGE_URI=f"redis+unix://{redis_server.socket}",
    )
    visitor = app.test_client()
    assert [visitor.get("/verify").status_code for _ in range(3)] == [200, 200, 429]


# -- a PostgreSQL restarted under the running app -------------------------------------------------

PG_BIN = (
    Path(shutil.which("initdb")).resolve().parent
    if shutil.which("initdb")
    else next((Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)
)


class PostgresServer:
    """A throwaway PostgreSQL cluster of this test's own, on a private socket, to stop and start again."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lms-pg-"))
        self.data, self.socket = self.folder / "data", self.folder / "sock"
        self.socket.mkdir()
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket, "postgres")
        try:
            self._run("initdb", "-A", "trust", "-U", "postgres", "-D", str(self.data))
            self.start()
            self._run("createdb", "-h", str(self.socket), "-U", "postgres", "lms")
        except subprocess.CalledProcessError:
            self.remove()
            raise

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/lms?host={self.socket}"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.folder / "log"),
            "-o",
            f"-k {self.socket} -c listen_addresses= -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_postgres():
    if PG_BIN is None or not (PG_BIN / "initdb").exists() or (os.getuid() == 0 and shutil.which("runuser") is None):
        _missing("needs PostgreSQL's server programs (initdb, pg_ctl): apt-get install -y postgresql")
    server = PostgresServer()
    yield server
    server.remove()


def test_a_postgres_restart_under_the_running_app_gives_a_clear_503_and_the_app_recovers(own_postgres, caplog):
    app = create_app(base_config(own_postgres.url, AUTO_MIGRATE=True))
    try:
        with app.app_context():
            create_user("pat@example.org", PASSWORD, "Pat", "Pat Legal", privacy_accepted=True)
            db.session.commit()
        visitor = app.test_client()
        assert post(visitor, "/account/login", {"email": "pat@example.org", "password": PASSWORD}).status_code == 302
        assert visitor.get("/dashboard").status_code == 200
        assert visitor.get("/healthz").get_json()["database"] is True

        own_postgres.stop()
        with caplog.at_level(logging.WARNING, logger="lms.errors"):
            down = visitor.get("/dashboard")
        assert down.status_code == 503 and down.headers["Retry-After"] == "30"
        assert "cannot reach its database" in down.get_data(as_text=True)
        assert any("database unavailable" in r.getMessage() for r in caplog.records)
        api = visitor.get("/api/v1/certificates/0000-0000-0000-0000-0000")
        assert api.status_code == 503 and "cannot reach its database" in api.get_json()["error"]
        health = app.test_client().get("/healthz")  # as a load balancer asks: no cookie
        assert health.status_code == 503 and health.get_json()["database"] is False
        assert visitor.get("/healthz").status_code == 503, "signed in, the session check fails first: still 503"

        # The nightly backup while the database is down: a clear failure, and yesterday's file untouched.
        yesterday = own_postgres.folder / "lms.dump"
        yesterday.write_bytes(b"yesterday's backup")
        with app.app_context():
            failed = app.test_cli_runner().invoke(args=["data", "backup", str(yesterday)])
        assert failed.exit_code == 1 and "No backup was written: pg_dump failed" in failed.output
        assert yesterday.read_bytes() == b"yesterday's backup"
        assert not (own_postgres.folder / "lms.dump.partial").exists()

        own_postgres.start()  # no restart of the app: the pool replaces its dead connections
        assert visitor.get("/healthz").status_code == 200
        page = visitor.get("/dashboard")
        assert page.status_code == 200, "still signed in, on new connections"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
