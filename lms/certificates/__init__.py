"""Certificates: issue, PDF, signed Open Badges 3.0 credentials, verification and lifecycle."""

from flask import Flask

from . import cli, public, views
from .issue import public_base, refusal
from .pdf import warm_up


def init_app(app: Flask) -> None:
    # Pages that show an absolute address use LMS_PUBLIC_URL too, never the request's Host.
    app.add_template_global(public_base)
    app.add_template_global(refusal)
    app.register_blueprint(views.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(public.api)
    app.register_blueprint(public.issuer_bp)
    app.cli.add_command(cli.keys_cli)
    app.cli.add_command(cli.certificates_cli)
    if app.config["PDF_WARM_UP"]:
        warm_up(app.static_folder)
