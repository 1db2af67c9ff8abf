"""`flask --app lms keys init|rotate` and
`flask --app lms certificates revoke|suspend|reinstate|allow-recertification|remind`."""

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..mail import deliver, describe_failure
from . import keys
from .ids import InvalidId, normalise
from .issue import IssueError, allow_recertification, change_status
from .models import Certificate
from .reminders import send_reminders

keys_cli = AppGroup("keys", help="The issuer's signing keys.")
certificates_cli = AppGroup("certificates", help="Manage issued certificates.")


@keys_cli.command("init")
def init_keys() -> None:
    """Create the first signing key (does nothing when one exists)."""
    existing = keys.published_keys()
    if existing:
        click.echo(f"A signing key already exists ({existing[0]['kid']}); use 'keys rotate' for a new one.")
        return
    key = keys.create_key()
    db.session.commit()
    click.echo(f"Created signing key {key.kid} (RSA {keys.KEY_BITS}).")


@keys_cli.command("rotate")
def rotate_keys() -> None:
    """Sign new credentials with a new key; old public keys stay published."""
    key = keys.create_key()
    db.session.commit()
    click.echo(f"New signing key {key.kid} is active; {len(keys.published_keys()) - 1} older key(s) stay published.")


def _certificate(certificate_id: str) -> Certificate:
    try:
        cert = db.session.get(Certificate, normalise(certificate_id))
    except InvalidId as exc:
        raise click.ClickException(str(exc)) from None
    if cert is None:
        raise click.ClickException(f"No certificate has the ID {certificate_id}.")
    return cert


def _status_command(action: str):
    @certificates_cli.command(action)
    @click.argument("certificate_id")
    @click.option("--reason", required=True, help="Why; kept in the audit log.")
    def command(certificate_id: str, reason: str) -> None:
        cert = _certificate(certificate_id)
        try:
            change_status(cert, action, reason, actor_id=None)
        except IssueError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(f"Certificate {cert.id} ({cert.holder_name}, {cert.course_title}) is now {cert.status}.")

    command.__doc__ = f"{action.capitalize()} a certificate, with a reason."
    return command


for _action in ("revoke", "suspend", "reinstate"):
    _status_command(_action)


@certificates_cli.command("allow-recertification")
@click.argument("certificate_id")
@click.option("--reason", required=True, help="Why this person may earn a new certificate; kept in the audit log.")
def recertify(certificate_id: str, reason: str) -> None:
    """Let the holder of a revoked certificate earn a new one for the course."""
    cert = _certificate(certificate_id)
    try:
        allow_recertification(cert, reason, actor_id=None)
    except IssueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{cert.holder_name} may earn a new certificate for {cert.course_title}; {cert.id} stays revoked.")


@certificates_cli.command("remind")
def remind() -> None:
    """Email holders whose certificates expire soon (when mail is configured); run daily."""
    queued, due = send_reminders()
    db.session.commit()  # each reminder is recorded (reminded_at) with its queued email: never queued twice
    failures: list = []
    # Also what an earlier run could not send and is due again: a refused address is retried each day.
    sent, failed = deliver(failures=failures) if current_app.config.get("MAIL_SERVER") else (0, 0)
    click.echo(
        f"{due} certificate(s) expire within 90 days; {queued} reminder(s) queued; {sent} reminder email(s) sent"
        + (f", {failed} failed:" if failed else ".")
    )
    for mail in failures:
        click.echo(f"  {describe_failure(mail)}")
    if failed:
        raise SystemExit(1)
