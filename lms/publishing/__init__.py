"""Publishing: the way content gets from authors to trainees, and the authors' tools (role-play maps)."""


def init_app(app) -> None:
    from . import map_views

    app.register_blueprint(map_views.bp)
