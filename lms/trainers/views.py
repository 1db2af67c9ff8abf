"""Trainers' pages (/staff): cohorts, progress, live sessions, invite links, trainees, overrides, transcripts, analytics."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..assessments.api import attempts_of
from ..auth import role_required
from ..auth.messages import reset_link
from ..auth.models import User
from ..certificates import transcript
from ..certificates.api import certificates_of
from ..clock import utcnow
from ..cohorts import access
from ..cohorts.api import (
    KINDS,
    OverrideError,
    SessionError,
    add_override,
    cohorts_of,
    overrides_of,
    record_session,
    unassigned_trainees,
)
from ..cohorts.models import Cohort, LiveSession
from ..cohorts.roster import CohortError, can_see_cohort, create_cohort, import_roster, visible_cohorts
from ..completion.api import course_status, learner
from ..content import catalog
from ..extensions import db
from ..formats import csv_response as _csv
from ..inputs import query_int
from . import analytics, exports
from .forms import CohortForm, ImportForm, InviteForm, OverrideForm, SessionForm
from .invites import DEFAULT_INVITE_DAYS, create_invites, invitees
from .matrix import cohort_matrix, inactive, state_label

bp = Blueprint("trainers", __name__, url_prefix="/staff")


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_see_cohort(current_user, cohort):
        abort(404)
    return cohort


def _trainee_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != "trainee" or not access.can_see_trainee(current_user, user.id):
        abort(404)
    return user


def _cohort_form() -> CohortForm:
    form = CohortForm()
    form.course.choices = [SelectChoice(c.slug, c.title) for c in catalog().visible_courses()]
    return form


@bp.route("/")
@role_required("trainer", "admin")
def home():
    unassigned = []
    if access.sees_everyone(current_user):  # trainees in no cohort are visible to admins only
        unassigned = unassigned_trainees()
    return render_template(
        "trainers/home.html",
        cohorts=visible_cohorts(current_user),
        form=_cohort_form(),
        unassigned=unassigned,
        catalog=catalog(),
    )


@bp.route("/cohorts", methods=["POST"])
@role_required("trainer", "admin")
def create():
    form = _cohort_form()
    if form.validate_on_submit():
        try:
            cohort = create_cohort(
                form.name.data, form.course.data, form.starts_on.data, form.ends_on.data, current_user
            )
            db.session.commit()
            flash(f"Cohort “{cohort.name}” created. Share its join link, or import its trainees.", "success")
            return redirect(url_for(".cohort", cohort_id=cohort.id))
        except CohortError as exc:
            form.name.errors.append(str(exc))
    return render_template(
        "trainers/home.html", cohorts=visible_cohorts(current_user), form=form, unassigned=[], catalog=catalog()
    ), 422


@bp.route("/cohorts/<int:cohort_id>")
@role_required("trainer", "admin")
def cohort(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    course = catalog().course(cohort.course_slug)
    if course is None:
        abort(404)
    modules, rows = cohort_matrix(catalog(), course, cohort.id)
    days = query_int("inactive", low=1, high=36_500)
    shown = inactive(rows, days) if days else rows
    sessions = db.session.scalars(
        select(LiveSession).where(LiveSession.cohort_id == cohort.id).order_by(LiveSession.held_on.desc())
    ).all()
    return render_template(
        "trainers/cohort.html",
        cohort=cohort,
        course=course,
        modules=modules,
        rows=shown,
        total=len(rows),
        days=days,
        sessions=sessions,
        import_form=ImportForm(),
        session_form=_session_form(course, rows),
        state_label=state_label,
        now=utcnow(),
        join_url=url_for("join.join", code=cohort.join_code, _external=True),
    )


def _session_form(course, rows) -> SessionForm:
    form = SessionForm()
    domains = sorted((set(course.hours) | set(course.live)) - {"total"}) or ["general"]
    form.domain.choices = [SelectChoice(d, d.replace("-", " ").capitalize()) for d in domains]
    form.attendees.choices = [SelectChoice(str(r.user.id), r.user.display_name) for r in rows]
    return form


@bp.route("/cohorts/<int:cohort_id>/import", methods=["POST"])
@role_required("trainer", "admin")
def import_trainees(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = ImportForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(error, "error")
        return redirect(url_for(".cohort", cohort_id=cohort.id))
    text = form.file.data.read().decode("utf-8-sig", errors="replace")
    result = import_roster(cohort, text, current_user.id)
    if result.problems:
        problems = result.problems
        flash(
            "Nothing was imported. Fix these rows and upload the file again: "
            + "; ".join(problems[:20])
            + (f"; and {len(problems) - 20} more" if len(problems) > 20 else ""),
            "error",
        )
        return redirect(url_for(".cohort", cohort_id=cohort_id))
    db.session.commit()
    flash(
        f"Imported: {result.added} trainee(s) added, {result.created} new account(s). New trainees need an invite link "
        "to set their password: make them under “Invite links”.",
        "success",
    )
    if result.existing:
        flash(_existing_message(result.existing), "info")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/invites", methods=["GET", "POST"])
@role_required("trainer", "admin")
def invites(cohort_id: int):
    """Invite links for the cohort's imported trainees, shown once, to copy or print (lms.trainers.invites)."""
    cohort = _cohort_or_404(cohort_id)
    people = invitees(cohort)
    form = InviteForm()
    form.trainees.choices = [SelectChoice(i.user.id, i.user.display_name) for i in people]
    if request.method == "GET":
        form.trainees.data, form.days.data = [i.user.id for i in people], DEFAULT_INVITE_DAYS
    elif form.validate_on_submit():
        links = create_invites(cohort, form.trainees.data, form.days.data, current_user)
        db.session.commit()
        expires = utcnow() + timedelta(days=form.days.data)
        return render_template(
            "trainers/invite_links.html",
            cohort=cohort,
            expires=expires,
            links=[(user, reset_link(token)) for user, token in links],
        )
    return render_template(
        "trainers/invites.html", cohort=cohort, people=people, form=form
    ), 200 if request.method == "GET" else 422


def _existing_message(emails: list[str]) -> str:
    shown = ", ".join(f"{e} already has an account" for e in emails[:20]) + (
        f"; and {len(emails) - 20} more" if len(emails) > 20 else ""
    )
    return (
        f"Not added: {shown}. People with an account join the cohort themselves: send them its join link "
        "(at the top of this page)."
    )


@bp.route("/cohorts/<int:cohort_id>/sessions", methods=["POST"])
@role_required("trainer", "admin")
def add_session(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    course = catalog().course(cohort.course_slug)
    _, rows = cohort_matrix(catalog(), course, cohort.id)
    form = _session_form(course, rows)
    if form.validate_on_submit():
        try:
            record_session(
                cohort,
                form.title.data,
                form.held_on.data,
                form.minutes.data,
                form.domain.data,
                form.attendees.data or [],
                {r.user.id for r in rows},
                current_user.id,
            )
            db.session.commit()
            flash("Live session recorded; attendees' transcripts now include it.", "success")
        except SessionError as exc:
            flash(str(exc), "error")
    else:
        flash(
            "The session was not recorded: "
            + "; ".join(f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items()),
            "error",
        )
    return redirect(url_for(".cohort", cohort_id=cohort.id) + "#sessions")


@bp.route("/cohorts/<int:cohort_id>/progress.csv")
@role_required("trainer", "admin")
def cohort_csv(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    return _csv(exports.cohort_progress(catalog(), cohort), f"cohort-{cohort.id}-progress.csv")


@bp.route("/trainees/<int:user_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def trainee(user_id: int):
    person = _trainee_or_404(user_id)
    form = _override_form()
    if form.validate_on_submit():
        kind, target = form.kind.data, form.target.data
        module_slug, _, quiz_slug = target.partition("/")
        try:
            add_override(catalog(), person.id, kind, module_slug, quiz_slug or None, form.reason.data, current_user.id)
            db.session.commit()
            flash(f"Recorded: {KINDS[kind]} for {person.display_name}.", "success")
            return redirect(url_for(".trainee", user_id=person.id))
        except OverrideError as exc:
            form.target.errors.append(str(exc))
    state = learner(person.id)
    statuses = [course_status(catalog(), c, state) for c in catalog().visible_courses()]
    attempts = attempts_of(person.id, newest_first=True)
    overrides = overrides_of(person.id)
    cohorts = cohorts_of(person.id)
    return render_template(
        "trainers/trainee.html",
        person=person,
        statuses=statuses,
        attempts=attempts,
        form=form,
        overrides=overrides,
        cohorts=cohorts,
        certificates=certificates_of(person.id),
        catalog=catalog(),
        kinds=KINDS,
    ), 200 if request.method == "GET" else 422


def _override_form() -> OverrideForm:
    form = OverrideForm()
    form.kind.choices = [SelectChoice(k, label.capitalize()) for k, label in KINDS.items()]
    targets = []
    for module in catalog().modules.values():
        targets.append(SelectChoice(module.slug, f"Module: {module.title}"))
        targets += [SelectChoice(f"{module.slug}/{q.slug}", _role_play_label(q.title)) for q in module.assessments]
    form.target.choices = targets
    return form


def _role_play_label(title: str) -> str:
    # Many role-plays are titled "Role-play: ..." already.
    return title if title.lower().startswith(("role-play", "role play", "roleplay")) else f"Role-play: {title}"


@bp.route("/trainees/<int:user_id>/record.csv")
@role_required("trainer", "admin")
def trainee_csv(user_id: int):
    """The trainee page as CSV: every lesson, every attempt (with its choices and score) and every certificate."""
    person = _trainee_or_404(user_id)
    return _csv(exports.trainee_record(catalog(), person), f"trainee-{person.id}-record.csv")


@bp.route("/trainees/<int:user_id>/transcript.<fmt>")
@role_required("trainer", "admin")
def transcript_download(user_id: int, fmt: str):
    return transcript.download(catalog(), _trainee_or_404(user_id), fmt)


@bp.route("/analytics/<module_slug>/<quiz_slug>")
@role_required("trainer", "admin")
def quiz_analytics(module_slug: str, quiz_slug: str):
    module = catalog().module(module_slug)
    quiz = module.assessment(quiz_slug) if module else None
    if quiz is None:
        abort(404)
    cohort_id = query_int("cohort")
    cohort = _cohort_or_404(cohort_id) if cohort_id else None
    if cohort is None and current_user.role != "admin":
        cohorts = visible_cohorts(current_user)
        if not cohorts:
            abort(404)
        cohort = cohorts[0]
    stats = analytics.quiz_stats(module.slug, quiz, cohort.id if cohort else None)
    names = catalog().competencies
    return render_template(
        "trainers/analytics.html",
        module=module,
        quiz=quiz,
        stats=stats,
        cohort=cohort,
        cohorts=visible_cohorts(current_user),
        chart=analytics.bar_chart,
        names=names,
    )
