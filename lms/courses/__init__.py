"""Courses: the content pipeline, lessons and the trainee's progress through them.

Imports stay inside functions: the pure content modules (loader, markdown) must be importable
without pulling in the views, and the role-play parser imports them.
"""
import logging

from flask import Flask, current_app, g

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from .. import StartupRefused
    from . import versions, views
    from .problems import ContentError

    try:
        state = versions.start(app)
    except ContentError as exc:
        raise StartupRefused(f"the content in {app.config['CONTENT_DIR']} has errors and no earlier good version "
                             f"is stored, so the app will not start:\n{exc}") from None
    for warning in app.extensions["lms.catalog"].warnings:
        logger.warning("%s", warning)
    app.extensions["lms.content"] = state

    @app.before_request
    def _follow_content():
        state.follow()

    app.register_blueprint(views.bp)


def content_state():
    """This process's ContentState (lms.courses.versions)."""
    return current_app.extensions["lms.content"]


def catalog():
    """The content (lms.courses.content.Catalog) this request is served: the version this process serves,
    or, on an author's own preview requests only, the candidate lms.publishing put in g.preview_catalog."""
    return g.get("preview_catalog") or current_app.extensions["lms.catalog"]


def live_catalog():
    """The version this process serves to everyone, whatever this request previews."""
    return current_app.extensions["lms.catalog"]


def previewing() -> bool:
    """True on an author's preview request: pages show a candidate, and nothing is recorded."""
    return g.get("preview_catalog") is not None
