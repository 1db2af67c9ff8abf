"""Site-wide pages: home, crisis support and the favicon."""

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_login import current_user

from .content import catalog

bp = Blueprint("web", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


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
    return render_template("support.html", custom=catalog().support)
