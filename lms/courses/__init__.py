"""Courses: the content pipeline, lessons and the trainee's progress through them."""
import logging

from flask import Flask, current_app

from .content import Catalog
from .loader import load_catalog
from .problems import ContentError

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from .. import StartupRefused
    from . import views

    try:
        catalog = load_catalog(app.config["CONTENT_DIR"])
    except ContentError as exc:
        raise StartupRefused(f"the content in {app.config['CONTENT_DIR']} has errors, so the app will not start:\n{exc}") from None
    for warning in catalog.warnings:
        logger.warning("%s", warning)
    app.extensions["lms.catalog"] = catalog
    app.register_blueprint(views.bp)


def catalog() -> Catalog:
    """The content version this process serves."""
    return current_app.extensions["lms.catalog"]
