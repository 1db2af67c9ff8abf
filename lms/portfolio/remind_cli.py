"""`flask --app lms portfolio remind`: renewal reminders, run daily."""

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..mail import deliver, describe_failure
from .renewal import send_reminders

portfolio_cli = AppGroup("portfolio", help="The certification portfolio's scheduled jobs.")


@portfolio_cli.command("remind")
def remind() -> None:
    """Mail holders 90, 30 and 7 days before their certification's renewal deadline (each once); run daily."""
    queued, tracked = send_reminders()
    db.session.commit()  # each reminder's row is committed with its queued email: never queued twice
    failures: list = []
    sent, failed = deliver(failures=failures) if current_app.config.get("MAIL_SERVER") else (0, 0)
    click.echo(
        f"{tracked} certification(s) tracked for renewal; {queued} reminder(s) queued; {sent} email(s) sent"
        + (f", {failed} failed:" if failed else ".")
    )
    for mail in failures:
        click.echo(f"  {describe_failure(mail)}")
    if failed:
        raise SystemExit(1)
