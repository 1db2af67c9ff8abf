"""Trainers: cohorts, live sessions, progress, transcripts, analytics and overrides."""


def init_app(app) -> None:
    from . import authoring, cli, views  # noqa: F401 (cli adds `users import` to the users group)

    app.register_blueprint(views.bp)
    app.register_blueprint(authoring.bp)
