"""Role-play assessments: parsing, scoring, taking them, and grading written answers."""

from flask import Flask

from . import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
