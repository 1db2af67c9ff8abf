"""`flask --app lms users create EMAIL --role trainer`."""

import click
from flask.cli import AppGroup

from ..extensions import db
from .messages import reset_link
from .models import ROLES
from .operations import create_reset, create_user, find_user
from .passwords import password_problem

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="trainee", show_default=True)
@click.option("--name", "display_name", help="Name shown on the site (default: the part of the email before @).")
@click.option("--legal-name", help="Full legal name for certificates (default: the display name).")
@click.password_option(help="Prompted for when not given.")
def create(email: str, role: str, display_name: str | None, legal_name: str | None, password: str) -> None:
    """Create an account, e.g. the first trainer or admin."""
    if "@" not in email:
        raise click.ClickException(f"'{email}' is not an email address.")
    if find_user(email) is not None:
        raise click.ClickException(f"An account for {email} already exists.")
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    display_name = display_name or email.split("@", 1)[0]
    user = create_user(email, password, display_name, legal_name or display_name, role)
    db.session.commit()
    click.echo(f"Created {role} account {user.email} (id {user.id}).")


@users_cli.command("reset-link")
@click.argument("email")
def reset_link_command(email: str) -> None:
    """Print a single-use link (valid two hours) for the user to set a new password."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    token = create_reset(user)
    db.session.commit()
    click.echo(f"Send this link to {user.email} (works once, for two hours):\n{reset_link(token)}")
