"""The content pipeline: Markdown and YAML files in, a checked, immutable Catalog out.

The modules here are pure (no Flask, no database) except `versions`, which stores each good
content version in the database so every process serves the same one, and this module's
accessors, which hand views the catalog this process serves.
"""

import logging

from flask import Flask, current_app, g

from ..config import StartupRefused
from . import versions
from .catalog import Catalog
from .problems import ContentError

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Load (or recover) the content version this process serves and follow later publications."""
    try:
        state = versions.start(app)
    except ContentError as exc:
        raise StartupRefused(
            f"the content in {app.config['CONTENT_DIR']} has errors and no earlier good version "
            f"is stored, so the app will not start:\n{exc}"
        ) from None
    for warning in app.extensions["lms.catalog"].warnings:
        logger.warning("%s", warning)
    app.extensions["lms.content"] = state

    @app.before_request
    def _follow_content():
        state.follow()


def content_state() -> "versions.ContentState":
    """This process's ContentState."""
    return current_app.extensions["lms.content"]


def catalog() -> Catalog:
    """The content this request is served: the version this process serves, or, on an author's own
    preview requests only, the candidate lms.publishing put in g.preview_catalog."""
    return g.get("preview_catalog") or current_app.extensions["lms.catalog"]


def live_catalog() -> Catalog:
    """The version this process serves to everyone, whatever this request previews."""
    return current_app.extensions["lms.catalog"]


def previewing() -> bool:
    """True on an author's preview request: pages show a candidate, and nothing is recorded."""
    return g.get("preview_catalog") is not None
