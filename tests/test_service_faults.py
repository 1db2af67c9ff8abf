"""Services that fail under a running app (issue #18): a Redis that is stopped and restarted."""
import logging
import shutil
import subprocess
import time

import pytest

from lms import ratelimit


class RedisServer:
    """A real redis-server on a Unix socket that a test can stop and start again on the same address."""

    def __init__(self, folder):
        self.binary = shutil.which("redis-server")
        self.socket = folder / "redis.sock"
        self.folder = folder
        self.process = None

    def start(self):
        self.process = subprocess.Popen([self.binary, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
                                         "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: apt-get install -y redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_with_redis_stopped_limits_count_per_process_with_a_warning_and_are_shared_again_after_it_restarts(
        app_factory, redis_server, monkeypatch, caplog):
    monkeypatch.setattr(ratelimit, "RETRY_SHARED_AFTER", 0.0)  # try Redis again on every request
    settings = dict(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute",
                    RATELIMIT_STORAGE_URI=f"redis+unix://{redis_server.socket}")
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
    app = app_factory(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="2 per minute",
                      RATELIMIT_STORAGE_URI=f"redis+unix://{redis_server.socket}")
    visitor = app.test_client()
    assert [visitor.get("/verify").status_code for _ in range(3)] == [200, 200, 429]
