"""The content pipeline: Markdown and YAML files in, a checked, immutable Catalog out.

The modules here are pure (no Flask, no database) except `versions`, which stores each good
content version in the database so every process serves the same one, and this module's
accessors, which hand views the catalog this process serves.
"""
import logging

from flask import Flask, current_app

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
        raise StartupRefused(f"the content in {app.config['CONTENT_DIR']} has errors and no earlier good version "
                             f"is stored, so the app will not start:\n{exc}") from None
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
    """The content version this process serves."""
    return current_app.extensions["lms.catalog"]
