"""Wires in what is built on the portfolio's records: supervisors' confirmations, share links for boards and
renewal reminders (one call from the package's init_app)."""

from flask import Flask

from . import share_models, share_views, supervision, supervision_views  # noqa: F401 (share_models: tables in the app's metadata)
from .remind_cli import portfolio_cli


def init_app(app: Flask) -> None:
    app.register_blueprint(share_views.bp)
    app.register_blueprint(share_views.api)
    app.register_blueprint(supervision_views.bp)
    app.cli.add_command(portfolio_cli)
    supervision.init_app()  # link mails are written when they are sent
