"""Courses: the content pipeline, lessons and the trainee's progress through them.

Imports stay inside functions: the pure content modules (loader, markdown) must be importable
without pulling in the views, and the role-play parser imports them.
"""
import logging

from flask import Flask, current_app

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from .. import StartupRefused
    from . import views
    from .loader import load_catalog
    from .problems import ContentError

    try:
        loaded = load_catalog(app.config["CONTENT_DIR"])
    except ContentError as exc:
        raise StartupRefused(f"the content in {app.config['CONTENT_DIR']} has errors, so the app will not start:\n{exc}") from None
    for warning in loaded.warnings:
        logger.warning("%s", warning)
    app.extensions["lms.catalog"] = loaded
    app.register_blueprint(views.bp)


def catalog():
    """The content version (lms.courses.content.Catalog) this process serves."""
    return current_app.extensions["lms.catalog"]
