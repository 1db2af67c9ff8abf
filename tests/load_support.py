"""A real app under gunicorn on loopback, and a small HTTP client for load and multi-process tests."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving create_app() with `workers` processes; stopped on exit."""

    def __init__(
        self,
        database_url: str,
        content: Path,
        instance: Path,
        workers: int = 4,
        secret: str = "s" * 48,
        port: int | None = None,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LMS_CONTENT_DIR": str(content),
            "SECRET_KEY": secret,
            "LMS_INSTANCE_PATH": str(instance),
            "LMS_LOGIN_RATE_LIMIT": "100000 per minute",
            "LMS_VERIFY_RATE_LIMIT": "100000 per minute",
            "LMS_PUBLIC_URL": self.url,
            "LMS_SECURE_COOKIES": "0",
        }
        self.log = open(instance.parent / f"gunicorn-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "lms:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not become healthy in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Browser:
    """Cookies, CSRF tokens and status codes, like a person's browser without JavaScript."""

    def __init__(self, base: str, user_agent: str = "lms-tests"):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.opener.addheaders = [("User-Agent", user_agent)]
        self.statuses: list[int] = []

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(req, timeout=60) as response:
                status, text, location = response.status, response.read().decode("utf-8", "replace"), ""
        except urllib.error.HTTPError as error:
            status, text, location = (
                error.code,
                error.read().decode("utf-8", "replace"),
                error.headers.get("Location", ""),
            )
        self.statuses.append(status)
        return status, text, location

    def get(self, path: str):
        return self.request(path)

    def token(self, path: str) -> str:
        _, html, _ = self.get(path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def post(self, path: str, data: dict | None = None, page: str | None = None):
        form = dict(data or {})
        form["csrf_token"] = self.token(page or path)
        return self.request(path, form)

    def login(self, email: str, password: str):
        status, _, location = self.post("/account/login", {"email": email, "password": password})
        assert status == 302 and "/account/login" not in location, (status, location)

    def cookie(self, name: str = "session") -> str:
        return next(f"{c.name}={c.value}" for c in self.jar if c.name == name)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
