"""`flask --app lms content check [DIR]`: the trainers' validator.

Registered as a Flask CLI plugin (see pyproject.toml) and run without an app, so it still works
when the content is broken and the app itself refuses to start.
"""

import click

from ..config import content_dir
from .loader import check_content

content_cli = click.Group("content", help="Check and manage course content.")


@content_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def check_command(directory: str | None) -> None:
    """Report every problem in the content as file:line: message; exit 1 on any error."""
    directory = directory or content_dir()
    catalog, problems = check_content(directory)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if not p.warning)
    warnings = len(problems) - errors
    if catalog is None:
        click.echo(
            f"{errors} error(s), {warnings} warning(s) in {directory}: fix the errors above and run the check again.",
            err=True,
        )
        raise SystemExit(1)
    quizzes = sum(len(m.assessments) for m in catalog.modules.values())
    click.echo(
        f"OK: {len(catalog.courses)} course(s), {len(catalog.modules)} module(s), {quizzes} role-play(s), "
        f"{len(catalog.competencies)} competencies, {len(catalog.pathways)} pathway(s), {warnings} warning(s) in {directory}"
    )
