"""Addresses within the site.

path_for: url_for for links within the site, remembered (one of the three process-wide caches that
docs/architecture.md lists). A path depends only on the endpoint, its values and the script root the
app is mounted at, so it is safe to share; an absolute URL would depend on the request's host, so
path_for refuses `_external` and `_scheme` (use url_for, or PUBLIC_URL, for those).

safe_next: the "next" address a sign-in (or any page) may send the browser on to: this site's paths only.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, request, url_for


def init_app(app: Flask) -> None:
    app.jinja_env.globals["path_for"] = path_for


def path_for(endpoint: str, **values) -> str:
    """The site-relative path of an endpoint, as url_for gives it."""
    if "_external" in values or "_scheme" in values:
        raise ValueError("path_for makes site-relative paths only; use url_for for an absolute URL")
    return _path(endpoint, tuple(sorted(values.items())), request.script_root)


@lru_cache(maxsize=4096)
def _path(endpoint: str, values: tuple, script_root: str) -> str:
    return url_for(endpoint, **dict(values))


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute URL, a scheme-relative '//host', or control characters."""
    if not target or not target.isprintable():  # CR/LF, NUL, tab...: never part of a path we link to
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("dashboard.index")
    return target
