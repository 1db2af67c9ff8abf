"""Trainers' pages: cohorts, live sessions, progress, transcripts, analytics, overrides and content status."""

from flask import Flask

from . import authoring, certificates, grading, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(authoring.bp)
    app.register_blueprint(grading.bp)
    app.register_blueprint(certificates.bp)
