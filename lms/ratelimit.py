"""Rate limits per client on the views that need them: sign-in and password resets, and every way of
looking a certificate up (so IDs cannot be enumerated).

Built on `limits`, the library under Flask-Limiter: fixed windows, counters in the storage named by
RATELIMIT_STORAGE_URI (memory:// keeps them in each process; redis://host:6379 shares them between
app servers). It does only what the app uses, with no hook on requests that have no limit (what that
saves is measured in bench/README.md).

When the shared storage does not answer (Redis stopped or unreachable), limits are counted in each
process instead, with one logged warning, rather than failing the request; the shared storage is tried
again every few seconds, and used again (with one logged line) as soon as it answers.

Responses from a limited view carry X-RateLimit-Limit, -Remaining and -Reset (Unix time) for the
limit closest to running out; over a limit the answer is 429 with Retry-After in seconds.
"""

import logging
import time
from functools import lru_cache, wraps

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

logger = logging.getLogger(__name__)
#: after the shared storage failed, count in this process for this many seconds before trying it again
RETRY_SHARED_AFTER = 5.0
#: a request waits at most this long (seconds) for Redis before counting in this process
REDIS_TIMEOUT = 0.5


@lru_cache(maxsize=64)
def _parse(setting: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(setting))


class RateLimits:
    def init_app(self, app: Flask) -> None:
        enabled = app.config.get("RATELIMIT_ENABLED", True)
        app.extensions["lms.ratelimit"] = (
            Counters(app.config.get("RATELIMIT_STORAGE_URI") or "memory://") if enabled else None
        )
        app.after_request(_add_headers)

    def limit(self, setting: str, scope: str | None = None, methods: tuple[str, ...] | None = None):
        """Limit a view by the limits in app.config[setting] (e.g. "10 per minute;50 per hour"),
        counted per client and per scope: views that share a scope share one allowance."""

        def decorator(view):
            name = scope or f"{view.__module__}.{view.__qualname__}"

            @wraps(view)
            def limited(*args, **kwargs):
                if methods is None or request.method in methods:
                    _check(name, setting)
                return view(*args, **kwargs)

            return limited

        return decorator


class Counters:
    """The configured storage, and this process's own counters for while a shared one does not answer."""

    def __init__(self, uri: str):
        options = (
            {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
            if uri.startswith(("redis", "rediss", "valkey"))
            else {}
        )
        self.shared = FixedWindowRateLimiter(storage_from_string(uri, wrap_exceptions=True, **options))
        self.local = self.shared if uri.startswith("memory") else FixedWindowRateLimiter(MemoryStorage())
        self.failed_at: float | None = None

    def count(self, items, scope: str, client: str) -> tuple[list[bool], list]:
        """Hit each limit once; returns whether each allows the request, and each one's window."""
        if self.failed_at is None or time.monotonic() - self.failed_at >= RETRY_SHARED_AFTER:
            try:
                counted = _count(self.shared, items, scope, client)
            except StorageError as exc:
                if self.failed_at is None:
                    logger.warning("rate limit storage unavailable, counting per process until it answers: %s", exc)
                self.failed_at = time.monotonic()
            else:
                if self.failed_at is not None:
                    logger.warning("rate limit storage answers again: limits are shared between processes again")
                    self.failed_at = None
                return counted
        return _count(self.local, items, scope, client)


def _count(limiter: FixedWindowRateLimiter, items, scope: str, client: str) -> tuple[list[bool], list]:
    allowed = [limiter.hit(item, scope, client) for item in items]
    return allowed, [(item, limiter.get_window_stats(item, scope, client)) for item in items]


def _check(scope: str, setting: str) -> None:
    counters: Counters | None = current_app.extensions.get("lms.ratelimit")
    if counters is None:
        return
    client = request.remote_addr or "unknown"
    allowed, windows = counters.count(_parse(current_app.config[setting]), scope, client)
    g.rate_limit = min(windows, key=lambda w: w[1].remaining)
    if not all(allowed):
        reset = max(w.reset_time for (item, w), ok in zip(windows, allowed, strict=False) if not ok)
        raise TooManyRequests(retry_after=max(1, int(reset - time.time()) + 1))


def _add_headers(response):
    window = g.pop("rate_limit", None)
    if window is not None:
        item, stats = window
        response.headers["X-RateLimit-Limit"] = str(item.amount)
        response.headers["X-RateLimit-Remaining"] = str(stats.remaining)
        response.headers["X-RateLimit-Reset"] = str(int(stats.reset_time))
    return response
