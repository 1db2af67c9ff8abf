"""Publishing content from the browser: candidates (upload, git, editor), checks, impact, private preview,
publish and roll back, and the authors' tools (the browser editor, role-play maps). Every page needs the
author permission (lms.auth.author_required).

Other code uses lms.publishing.api; this package sits at the top and imports only downwards.
"""

from flask import Flask, g, session

from . import editor_views, map_views, models, practice  # noqa: F401 (the tables, for migrations; the routes, on views.bp)
from .preview import PREVIEW_KEY, apply_preview
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _preview():
        # A dictionary look-up on every request; only a session that previews does more.
        if PREVIEW_KEY in session:
            return apply_preview()
        return None

    @app.context_processor
    def _preview_banner():
        return {"preview_candidate": g.get("preview_candidate")}
