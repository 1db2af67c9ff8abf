"""Cohorts: who trains whom, live sessions with attendance, and trainers' overrides (the data and its rules)."""

from flask import Flask

from ..auth.cli import users_cli
from .cli import import_command


def init_app(app: Flask) -> None:
    """`flask --app lms users import` (the accounts group gains the cohort import)."""
    users_cli.add_command(import_command)
