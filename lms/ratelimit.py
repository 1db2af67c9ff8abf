"""Rate limits per client on the views that need them: sign-in and password resets, and every way of
looking a certificate up (so IDs cannot be enumerated).

Built on `limits`, the library under Flask-Limiter: fixed windows, counters in the storage named by
RATELIMIT_STORAGE_URI (memory:// keeps them in each process; redis://host:6379 shares them between
app servers). Flask-Limiter did the same through hooks on every request and a generic search for
each view's limits: about 0.13 ms on a limited request and 0.02 ms on every other, where a public
verification answers in about 0.35 ms. This module does only what the app uses.

Responses from a limited view carry X-RateLimit-Limit, -Remaining and -Reset (Unix time) for the
limit closest to running out; over a limit the answer is 429 with Retry-After in seconds.
"""
import time
from functools import lru_cache, wraps

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


@lru_cache(maxsize=64)
def _parse(setting: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(setting))


class RateLimits:
    def init_app(self, app: Flask) -> None:
        enabled = app.config.get("RATELIMIT_ENABLED", True)
        storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://") if enabled else None
        app.extensions["lms.ratelimit"] = FixedWindowRateLimiter(storage) if storage else None
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


def _check(scope: str, setting: str) -> None:
    limiter: FixedWindowRateLimiter | None = current_app.extensions.get("lms.ratelimit")
    if limiter is None:
        return
    client = request.remote_addr or "unknown"
    items = _parse(current_app.config[setting])
    allowed = [limiter.hit(item, scope, client) for item in items]
    windows = [(item, limiter.get_window_stats(item, scope, client)) for item in items]
    g.rate_limit = min(windows, key=lambda w: w[1].remaining)
    if not all(allowed):
        reset = max(w.reset_time for (item, w), ok in zip(windows, allowed) if not ok)
        raise TooManyRequests(retry_after=max(1, int(reset - time.time()) + 1))


def _add_headers(response):
    window = g.pop("rate_limit", None)
    if window is not None:
        item, stats = window
        response.headers["X-RateLimit-Limit"] = str(item.amount)
        response.headers["X-RateLimit-Remaining"] = str(stats.remaining)
        response.headers["X-RateLimit-Reset"] = str(int(stats.reset_time))
    return response
