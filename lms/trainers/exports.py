"""Trainers' CSV downloads, built as rows: a cohort's progress and one trainee's whole record."""

from ..assessments.api import attempts_of
from ..assessments.attempts import current_quiz
from ..auth.models import User
from ..certificates.api import certificates_of
from ..cohorts.models import Cohort
from ..content.catalog import Catalog
from ..formats import SafeCsv
from ..reading.progress import progress_rows
from .matrix import cohort_matrix, state_label


def cohort_progress(catalog: Catalog, cohort: Cohort) -> SafeCsv:
    """One row per trainee: each module's state, then totals and last activity."""
    modules, rows = cohort_matrix(catalog, catalog.course(cohort.course_slug), cohort.id)
    writer = SafeCsv()
    writer.writerow(
        ["trainee", "email"]
        + [m.title for m in modules]
        + ["modules complete", "reading minutes", "live minutes", "last activity"]
    )
    for row in rows:
        writer.writerow(
            [row.user.display_name, row.user.email]
            + [state_label(s) for s in row.states]
            + [
                row.complete,
                round(row.reading_seconds / 60),
                row.live_minutes,
                row.last_activity.isoformat(timespec="minutes") if row.last_activity else "",
            ]
        )
    return writer


def trainee_record(catalog: Catalog, person: User) -> SafeCsv:
    """Every lesson, every attempt (with its choices and score) and every certificate of one trainee."""
    writer = SafeCsv()
    writer.writerow(["kind", "module", "item", "started", "finished", "state", "score", "detail"])
    rows = progress_rows(person.id)
    for slug, row in sorted(rows.items()):
        module = catalog.module(slug)
        writer.writerow(
            [
                "lesson",
                slug,
                module.title if module else slug,
                row.first_opened_at.isoformat(timespec="minutes"),
                row.finished_at.isoformat(timespec="minutes") if row.finished_at else "",
                "read" if row.finished_at else "reading",
                "",
                f"{round(row.seconds_spent / 60)} min reading",
            ]
        )
    for attempt in attempts_of(person.id):
        quiz = current_quiz(attempt, catalog)
        path = " | ".join(
            f"{step.scene_id}: "
            + (
                str(quiz.scene(step.scene_id).choices[step.choice_index].text)
                if step.choice_index is not None
                else ("written answer" if step.answer else "end")
            )
            for step in attempt.steps
            if quiz.scene(step.scene_id)
        )
        writer.writerow(
            [
                "role-play",
                attempt.module_slug,
                quiz.title,
                attempt.started_at.isoformat(timespec="minutes"),
                attempt.finished_at.isoformat(timespec="minutes") if attempt.finished_at else "",
                attempt.state,
                f"{attempt.score}/{attempt.possible}" if attempt.possible is not None else "",
                path,
            ]
        )
    for cert in certificates_of(person.id):
        writer.writerow(
            [
                "certificate",
                cert.course_slug,
                cert.title,
                cert.issued_at.isoformat(timespec="minutes"),
                cert.expires_at.isoformat(timespec="minutes") if cert.expires_at else "",
                cert.effective_status(),
                "",
                cert.id,
            ]
        )
    return writer
