"""`flask --app lms users import FILE.csv --cohort NAME`."""

import click
from sqlalchemy import select

from ..extensions import db
from .models import Cohort
from .roster import import_roster


@click.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--cohort", "cohort_name", required=True, help="The cohort's name, as created by a trainer.")
def import_command(csv_file, cohort_name: str) -> None:
    """Import trainees (email, display name, legal name) into a cohort; nothing is imported if any row is bad."""
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == cohort_name))
    if cohort is None:
        raise click.ClickException(f"No cohort is called “{cohort_name}”.")
    result = import_roster(cohort, csv_file.read(), actor_id=None)
    if result.problems:
        for problem in result.problems:
            click.echo(f"{csv_file.name}: {problem}", err=True)
        raise click.ClickException(
            f"{len(result.problems)} row(s) have problems; nothing was imported. Fix them and run again."
        )
    db.session.commit()
    click.echo(
        f"Imported into “{cohort.name}”: {result.added} trainee(s) added, {result.created} new account(s) created. "
        "New trainees set their password with 'Forgot your password?' or a reset link."
    )
    for email in result.existing:
        click.echo(
            f"Not added: {email} already has an account; they join with the cohort's link: /join/{cohort.join_code}"
        )
