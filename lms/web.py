"""Site-wide pages: home, support, health; and path_for, the layout's cached links."""
from functools import lru_cache

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_login import current_user

bp = Blueprint("web", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["path_for"] = path_for


def path_for(endpoint: str, **values) -> str:
    """url_for for a link within the site, remembered: a page has a dozen or more links, and url_for
    costs about 8 microseconds each time. (A path depends only on the endpoint, its values and the
    script root the app is mounted at.)"""
    return _path(endpoint, tuple(sorted(values.items())), request.script_root)


@lru_cache(maxsize=4096)
def _path(endpoint: str, values: tuple, script_root: str) -> str:
    return url_for(endpoint, **dict(values))


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render_template("index.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/support")
def support():
    """Crisis lines: studying this material can stir up a trainee's own history."""
    from .content import catalog

    return render_template("support.html", custom=catalog().support)
