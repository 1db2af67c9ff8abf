"""Static files under fingerprinted names (site.3f2a1b9c0d.css), cached for a year: a changed file
gets a new name, so browsers never use a stale copy and never re-check an unchanged one."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, send_from_directory

from .web import path_for

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)

    @lru_cache(maxsize=64)
    def fingerprint(filename: str) -> str:
        return hashlib.sha256((static / filename).read_bytes()).hexdigest()[:10]

    def asset_url(filename: str) -> str:
        stem, dot, ext = filename.rpartition(".")
        return path_for("asset", name=f"{stem}.{fingerprint(filename)}.{ext}")

    @app.route("/assets/<path:name>")
    def asset(name: str):
        stem, _, ext = name.rpartition(".")
        original_stem, _, digest = stem.rpartition(".")
        filename = f"{original_stem}.{ext}"
        if not original_stem or not (static / filename).is_file() or digest != fingerprint(filename):
            abort(404)
        response = send_from_directory(static, filename, max_age=ONE_YEAR)
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response

    app.jinja_env.globals["asset_url"] = asset_url
