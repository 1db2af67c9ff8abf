"""The certification portfolio: a trainee's path to a credential (training, supervised experience, supervision,
exam, certification and renewal), recorded in one place a board can check. Top layer: it reads certificates,
completion and content, and nothing below imports it."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models, sharing  # noqa: F401 (the tables belong to the app's metadata)

    sharing.init_app(app)  # supervisors' confirmations, share links, renewal reminders (the share helper's part)
