"""The trainee's dashboard, which gathers what every other package knows about them."""

from flask import Flask

from . import join, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(join.bp)
