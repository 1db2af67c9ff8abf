"""Courses at run time: lesson pages, media files and the trainee's reading progress."""

from flask import Flask

from . import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
