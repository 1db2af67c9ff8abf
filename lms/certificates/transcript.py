"""A trainee's transcript: the evidence behind the hours a certificate credits, line by line.

Each completed module counts at the minutes its author declared (the same minutes that back the
course's hours), and each attended live session at its recorded length. The time the app recorded
on a module (reading, and the time between role-play answers) is shown beside it, so a board can see
that the declared minutes are realistic. Totals are kept in minutes and rounded only for display.
"""

from dataclasses import dataclass
from datetime import date

from flask import Response, abort, current_app, render_template
from sqlalchemy import select

from ..assessments.models import PASSED, Attempt
from ..clock import utcnow
from ..cohorts.api import completed_by_override
from ..cohorts.models import Attendance, LiveSession
from ..completion.api import COMPLETE, module_state
from ..content.catalog import Catalog
from ..extensions import db
from ..formats import SafeCsv, csv_response
from ..reading.models import LessonProgress
from .pdf import render_pdf

ROLE_PLAY_CAP_SECONDS = 3600


@dataclass(frozen=True)
class Entry:
    on: date
    kind: str  # module or live session
    title: str
    domain: str
    #: minutes credited: the module's declared minutes, or the session's length
    minutes: float
    #: minutes the app recorded on the module (reading and role-plays); None for live sessions
    recorded: float | None = None


def module_domain(catalog: Catalog, module_slug: str) -> str:
    """The hours domain a module counts towards: its `domain:` front matter, else 'self-study'."""
    module = catalog.module(module_slug)
    return getattr(module, "domain", None) or "self-study"


def entries(catalog: Catalog, user_id: int) -> list[Entry]:
    """Completed modules at their minutes and attended live sessions at their length, oldest first."""
    rows = {
        r.module_slug: r for r in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id))
    }
    passes: dict[tuple[str, str], Attempt] = {}
    role_play_seconds: dict[str, float] = {}
    for attempt in db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.finished_at.is_not(None), Attempt.practice.is_(False))
        .order_by(Attempt.finished_at)
    ):
        if attempt.state == PASSED:
            passes.setdefault((attempt.module_slug, attempt.quiz_slug), attempt)
        seconds = min((attempt.finished_at - attempt.started_at).total_seconds(), ROLE_PLAY_CAP_SECONDS)
        role_play_seconds[attempt.module_slug] = role_play_seconds.get(attempt.module_slug, 0) + max(seconds, 0)
    overridden = completed_by_override(user_id)
    result = []
    for module in catalog.modules.values():
        row = rows.get(module.slug)
        if module_state(module, row, set(passes), overridden) != COMPLETE:
            continue
        dates = [a.finished_at for (m, _), a in passes.items() if m == module.slug]
        if row is not None and row.finished_at is not None:
            dates.append(row.finished_at)
        recorded = ((row.seconds_spent if row else 0) + role_play_seconds.get(module.slug, 0)) / 60
        result.append(
            Entry(
                max(dates).date() if dates else utcnow().date(),
                "module",
                module.title,
                module_domain(catalog, module.slug),
                float(module.minutes),
                round(recorded, 1),
            )
        )
    for session in db.session.scalars(
        select(LiveSession)
        .join(Attendance, Attendance.session_id == LiveSession.id)
        .where(Attendance.user_id == user_id)
    ):
        result.append(Entry(session.held_on, "live session", session.title, session.domain, float(session.minutes)))
    return sorted(result, key=lambda e: (e.on, e.kind, e.title))


def totals(items: list[Entry]) -> dict[str, float]:
    """Minutes credited per domain (not rounded: round once, when showing hours)."""
    minutes: dict[str, float] = {}
    for item in items:
        minutes[item.domain] = minutes.get(item.domain, 0) + item.minutes
    return dict(sorted(minutes.items()))


def generated_at() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M UTC")


def as_csv(catalog: Catalog, person) -> SafeCsv:
    """The transcript as CSV rows: each activity, then the total per domain."""
    items = entries(catalog, person.id)
    writer = SafeCsv()
    writer.writerow(["date", "activity", "title", "domain", "minutes credited", "minutes recorded"])
    for item in items:
        writer.writerow(
            [
                item.on.isoformat(),
                item.kind,
                item.title,
                item.domain,
                f"{item.minutes:g}",
                "" if item.recorded is None else f"{item.recorded:g}",
            ]
        )
    writer.writerow([])
    for domain, minutes in totals(items).items():
        writer.writerow(["total", "", "", domain, f"{minutes:g}", ""])
    return writer


def as_pdf(catalog: Catalog, person) -> bytes:
    """The transcript as a tagged PDF."""
    items = entries(catalog, person.id)
    html = render_template(
        "certificates/transcript_pdf.html",
        person=person,
        items=items,
        totals=totals(items),
        generated=generated_at(),
        issuer=current_app.config["ISSUER_NAME"],
    )
    return render_pdf(html, current_app.static_folder)


def download(catalog: Catalog, person, fmt: str) -> Response:
    """The transcript as a file to download: transcript-<id>.csv or .pdf; any other format is 404."""
    if fmt == "csv":
        return csv_response(as_csv(catalog, person), f"transcript-{person.id}.csv")
    if fmt == "pdf":
        return Response(
            as_pdf(catalog, person),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="transcript-{person.id}.pdf"'},
        )
    abort(404)
