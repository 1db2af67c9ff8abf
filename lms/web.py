"""Site-wide pages: home, support, health."""
from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("web", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    return render_template("index.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/privacy")
def privacy():
    """The privacy notice trainees accept at registration."""
    return render_template("privacy.html")


@bp.route("/support")
def support():
    """Crisis lines: studying this material can stir up a trainee's own history."""
    from .courses import catalog

    return render_template("support.html", custom=catalog().support)
