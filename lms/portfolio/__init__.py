"""The certification portfolio: a trainee's path to a credential (training, supervised experience, supervision,
exam, certification and renewal), recorded in one place a board can check. Top layer: it reads certificates,
completion and content, and nothing below imports it."""

from flask import Flask

from . import sharing, staff, views  # noqa: F401 (staff adds its pages to the same blueprint)
from .progress import domain_label


def init_app(app: Flask) -> None:
    app.add_template_filter(domain_label)
    app.register_blueprint(views.bp)
    sharing.init_app(app)  # supervisors' confirmations, share links, renewal reminders (the share helper's part)
