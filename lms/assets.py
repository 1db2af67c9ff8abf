"""Static files under fingerprinted names (site.3f2a1b9c0d.css), cached for a year: a changed file
gets a new name, so browsers never use a stale copy and never re-check an unchanged one."""

import hashlib
from pathlib import Path

from flask import Flask, abort, send_file

from .urls import path_for

ONE_YEAR = 365 * 24 * 3600


def fingerprints(static: Path) -> dict[str, tuple[str, Path]]:
    """Each real file in the static folder (name relative to it -> (digest, real path)), read once at start-up.

    A request is answered from this table only: a name that is not in it is never opened, so no
    spelling of a path can make the server read (or time) a file outside the static folder.
    """
    root = static.resolve()
    table = {}
    for path in sorted(root.rglob("*")):
        real = path.resolve()
        rel = path.relative_to(root)
        if real.is_file() and real.is_relative_to(root) and not any(part.startswith(".") for part in rel.parts):
            table[rel.as_posix()] = (hashlib.sha256(real.read_bytes()).hexdigest()[:10], real)
    return table


def init_app(app: Flask) -> None:
    table = fingerprints(Path(app.static_folder))

    def asset_url(filename: str) -> str:
        stem, dot, ext = filename.rpartition(".")
        return path_for("asset", name=f"{stem}.{table[filename][0]}.{ext}")

    @app.route("/assets/<path:name>")
    def asset(name: str):
        stem, _, ext = name.rpartition(".")
        original_stem, _, digest = stem.rpartition(".")
        entry = table.get(f"{original_stem}.{ext}") if original_stem else None
        if entry is None or digest != entry[0]:
            abort(404)
        response = send_file(entry[1], max_age=ONE_YEAR)
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response

    app.jinja_env.globals["asset_url"] = asset_url
