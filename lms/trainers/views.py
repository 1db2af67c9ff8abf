"""Trainer pages: cohorts, progress, live sessions, trainees, overrides, transcripts, analytics."""
from datetime import timedelta

from flask import abort, Blueprint, current_app, flash, redirect, render_template, request, Response, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import exists, select
from wtforms.fields.choices import SelectChoice

from ..cohorts import access
from ..assessments.attempts import quiz_for_attempt
from ..assessments.models import Attempt
from ..certificates.pdf import render_pdf
from ..auth import role_required
from ..auth.messages import reset_link
from ..auth.models import User
from ..clock import utcnow
from ..certificates.api import certificates_of
from ..content import catalog
from ..formats import duration
from ..completion.api import course_status, learner
from ..extensions import db
from ..formats import SafeCsv
from ..formats import csv_response as _csv
from ..inputs import query_int
from . import analytics, transcript
from ..cohorts.roster import CohortError, add_member, can_see_cohort, cohort_by_code, create_cohort, import_roster, visible_cohorts
from .forms import CohortForm, ImportForm, InviteForm, JoinForm, OverrideForm, SessionForm
from .invites import DEFAULT_INVITE_DAYS, create_invites, invitees
from ..cohorts.models import Cohort, CohortMember, LiveSession, Override
from ..cohorts.api import KINDS, OverrideError, SessionError, add_override, record_session
from .progress import cohort_matrix, inactive, state_label

bp = Blueprint("trainers", __name__)


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


@bp.route("/staff/")
@role_required("trainer", "admin")
def home():
    unassigned = []
    if access.sees_everyone(current_user):  # trainees in no cohort are visible to admins only
        unassigned = db.session.scalars(select(User).where(User.role == "trainee", ~exists().where(CohortMember.user_id == User.id))
                                        .order_by(User.display_name).limit(200)).all()
    return render_template("trainers/home.html", cohorts=visible_cohorts(current_user), form=_cohort_form(),
                           unassigned=unassigned, catalog=catalog())


@bp.route("/staff/cohorts", methods=["POST"])
@role_required("trainer", "admin")
def create():
    form = _cohort_form()
    if form.validate_on_submit():
        try:
            cohort = create_cohort(form.name.data, form.course.data, form.starts_on.data, form.ends_on.data, current_user)
            db.session.commit()
            flash(f"Cohort “{cohort.name}” created. Share its join link, or import its trainees.", "success")
            return redirect(url_for(".cohort", cohort_id=cohort.id))
        except CohortError as exc:
            form.name.errors.append(str(exc))
    return render_template("trainers/home.html", cohorts=visible_cohorts(current_user), form=form, unassigned=[],
                           catalog=catalog()), 422


@bp.route("/staff/cohorts/<int:cohort_id>")
@role_required("trainer", "admin")
def cohort(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    course = catalog().course(cohort.course_slug)
    if course is None:
        abort(404)
    modules, rows = cohort_matrix(catalog(), course, cohort.id)
    days = query_int("inactive", low=1, high=36_500)
    shown = inactive(rows, days) if days else rows
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.cohort_id == cohort.id)
                                  .order_by(LiveSession.held_on.desc())).all()
    return render_template("trainers/cohort.html", cohort=cohort, course=course, modules=modules, rows=shown,
                           total=len(rows), days=days, sessions=sessions, import_form=ImportForm(),
                           session_form=_session_form(course, rows), state_label=state_label, now=utcnow(),
                           join_url=url_for(".join", code=cohort.join_code, _external=True))


def _session_form(course, rows) -> SessionForm:
    form = SessionForm()
    domains = sorted((set(course.hours) | set(course.live)) - {"total"}) or ["general"]
    form.domain.choices = [SelectChoice(d, d.replace("-", " ").capitalize()) for d in domains]
    form.attendees.choices = [SelectChoice(str(r.user.id), r.user.display_name) for r in rows]
    return form


@bp.route("/staff/cohorts/<int:cohort_id>/import", methods=["POST"])
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
        flash("Nothing was imported. Fix these rows and upload the file again: " + "; ".join(problems[:20])
              + (f"; and {len(problems) - 20} more" if len(problems) > 20 else ""), "error")
        return redirect(url_for(".cohort", cohort_id=cohort_id))
    db.session.commit()
    flash(f"Imported: {result.added} trainee(s) added, {result.created} new account(s). New trainees need an invite link "
          "to set their password: make them under “Invite links”.", "success")
    if result.existing:
        flash(_existing_message(result.existing), "info")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.route("/staff/cohorts/<int:cohort_id>/invites", methods=["GET", "POST"])
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
        return render_template("trainers/invite_links.html", cohort=cohort, expires=expires,
                               links=[(user, reset_link(token)) for user, token in links])
    return render_template("trainers/invites.html", cohort=cohort, people=people, form=form), \
        200 if request.method == "GET" else 422


def _existing_message(emails: list[str]) -> str:
    shown = ", ".join(f"{e} already has an account" for e in emails[:20]) + (
        f"; and {len(emails) - 20} more" if len(emails) > 20 else "")
    return (f"Not added: {shown}. People with an account join the cohort themselves: send them its join link "
            "(at the top of this page).")


@bp.route("/staff/cohorts/<int:cohort_id>/sessions", methods=["POST"])
@role_required("trainer", "admin")
def add_session(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    course = catalog().course(cohort.course_slug)
    _, rows = cohort_matrix(catalog(), course, cohort.id)
    form = _session_form(course, rows)
    if form.validate_on_submit():
        try:
            record_session(cohort, form.title.data, form.held_on.data, form.minutes.data, form.domain.data,
                           form.attendees.data or [], {r.user.id for r in rows}, current_user.id)
            db.session.commit()
            flash("Live session recorded; attendees' transcripts now include it.", "success")
        except SessionError as exc:
            flash(str(exc), "error")
    else:
        flash("The session was not recorded: " + "; ".join(f"{form[k].label.text}: {' '.join(v)}"
                                                           for k, v in form.errors.items()), "error")
    return redirect(url_for(".cohort", cohort_id=cohort.id) + "#sessions")


@bp.route("/staff/cohorts/<int:cohort_id>/progress.csv")
@role_required("trainer", "admin")
def cohort_csv(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    course = catalog().course(cohort.course_slug)
    modules, rows = cohort_matrix(catalog(), course, cohort.id)
    writer = SafeCsv()
    writer.writerow(["trainee", "email"] + [m.title for m in modules] + ["modules complete", "reading minutes",
                                                                           "live minutes", "last activity"])
    for row in rows:
        writer.writerow([row.user.display_name, row.user.email] + [state_label(s) for s in row.states]
                        + [row.complete, round(row.reading_seconds / 60), row.live_minutes,
                           row.last_activity.isoformat(timespec="minutes") if row.last_activity else ""])
    return _csv(writer, f"cohort-{cohort.id}-progress.csv")


@bp.route("/staff/trainees/<int:user_id>", methods=["GET", "POST"])
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
    attempts = db.session.scalars(select(Attempt).where(Attempt.user_id == person.id).order_by(Attempt.started_at.desc())).all()
    overrides = db.session.scalars(select(Override).where(Override.user_id == person.id).order_by(Override.created_at.desc())).all()
    cohorts = db.session.scalars(select(Cohort).join(CohortMember, CohortMember.cohort_id == Cohort.id)
                                 .where(CohortMember.user_id == person.id)).all()
    return render_template("trainers/trainee.html", person=person, statuses=statuses, attempts=attempts, form=form,
                           overrides=overrides, cohorts=cohorts, certificates=certificates_of(person.id),
                           catalog=catalog(), kinds=KINDS), 200 if request.method == "GET" else 422


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


@bp.route("/staff/trainees/<int:user_id>/record.csv")
@role_required("trainer", "admin")
def trainee_csv(user_id: int):
    """The trainee page as CSV: every lesson, every attempt (with its choices and score) and every certificate."""

    person = _trainee_or_404(user_id)
    writer = SafeCsv()
    writer.writerow(["kind", "module", "item", "started", "finished", "state", "score", "detail"])
    rows = learner(person.id).lessons
    for slug, row in sorted(rows.items()):
        module = catalog().module(slug)
        writer.writerow(["lesson", slug, module.title if module else slug, row.first_opened_at.isoformat(timespec="minutes"),
                         row.finished_at.isoformat(timespec="minutes") if row.finished_at else "",
                         "read" if row.finished_at else "reading", "", f"{round(row.seconds_spent / 60)} min reading"])
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == person.id).order_by(Attempt.started_at)):
        module = catalog().module(attempt.module_slug)
        quiz = quiz_for_attempt(attempt, module.assessment(attempt.quiz_slug) if module else None)
        path = " | ".join(
            f"{step.scene_id}: " + (str(quiz.scene(step.scene_id).choices[step.choice_index].text) if step.choice_index is not None
                                    else ("written answer" if step.answer else "end"))
            for step in attempt.steps if quiz.scene(step.scene_id))
        writer.writerow(["role-play", attempt.module_slug, quiz.title, attempt.started_at.isoformat(timespec="minutes"),
                         attempt.finished_at.isoformat(timespec="minutes") if attempt.finished_at else "", attempt.state,
                         f"{attempt.score}/{attempt.possible}" if attempt.possible is not None else "", path])
    for cert in certificates_of(person.id):
        writer.writerow(["certificate", cert.course_slug, cert.title, cert.issued_at.isoformat(timespec="minutes"),
                         cert.expires_at.isoformat(timespec="minutes") if cert.expires_at else "", cert.effective_status(),
                         "", cert.id])
    return _csv(writer, f"trainee-{person.id}-record.csv")


@bp.route("/staff/trainees/<int:user_id>/transcript.<fmt>")
@role_required("trainer", "admin")
def transcript_download(user_id: int, fmt: str):
    person = _trainee_or_404(user_id)
    return _transcript(person, fmt)


@bp.route("/transcript.<fmt>")
@login_required
def my_transcript(fmt: str):
    return _transcript(current_user, fmt)


def _transcript(person: User, fmt: str) -> Response:
    items = transcript.entries(catalog(), person.id)
    totals = transcript.totals(items)
    if fmt == "csv":
        writer = SafeCsv()
        writer.writerow(["date", "activity", "title", "domain", "minutes credited", "minutes recorded"])
        for item in items:
            writer.writerow([item.on.isoformat(), item.kind, item.title, item.domain, f"{item.minutes:g}",
                             "" if item.recorded is None else f"{item.recorded:g}"])
        writer.writerow([])
        for domain, minutes in totals.items():
            writer.writerow(["total", "", "", domain, f"{minutes:g}", ""])
        return _csv(writer, f"transcript-{person.id}.csv")
    if fmt == "pdf":
        html = render_template("trainers/transcript_pdf.html", person=person, items=items, totals=totals,
                               generated=transcript.generated_at(), issuer=current_app.config["ISSUER_NAME"])
        return Response(render_pdf(html, current_app.static_folder), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="transcript-{person.id}.pdf"'})
    abort(404)


@bp.route("/staff/analytics/<module_slug>/<quiz_slug>")
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
    return render_template("trainers/analytics.html", module=module, quiz=quiz, stats=stats, cohort=cohort,
                           cohorts=visible_cohorts(current_user), chart=analytics.bar_chart, names=names)


@bp.route("/join", methods=["GET", "POST"])
@bp.route("/join/<code>", methods=["GET", "POST"])
def join(code: str | None = None):
    """Join a cohort by its code. Signed out, the link names the cohort and is kept through sign-up or sign-in."""
    if not current_user.is_authenticated:
        return _invite(code)
    found = cohort_by_code(code) if code and request.method == "GET" else None
    invite = session.get("invite")
    if found is not None and isinstance(invite, dict) and invite.get("code") == found.join_code:
        # They saw this invitation signed out, then registered or signed in to accept it: join without a second form.
        session.pop("invite")
        return _joined(found)
    form = JoinForm()
    if request.method == "GET" and code:
        form.code.data = code
    if form.validate_on_submit():
        found = cohort_by_code(form.code.data)
        if found is None:
            form.code.errors.append("No cohort has that code. Check it with your trainer.")
        else:
            return _joined(found)
    return render_template("trainers/join.html", form=form, cohort=found, course=found and catalog().course(
        found.course_slug)), 200 if request.method == "GET" else 422


def _invite(code: str | None):
    """The signed-out join page: which cohort the link is for, and the way in that keeps the link."""
    if request.method == "POST" or not code:
        return redirect(url_for("auth.login", next=url_for(".join", code=code) if code else url_for(".join")))
    found = cohort_by_code(code)
    if found is None:
        return render_template("trainers/invite.html", cohort=None, course=None), 404
    course = catalog().course(found.course_slug)
    session["invite"] = {"code": found.join_code, "cohort": found.name, "course": course.title if course else ""}
    return render_template("trainers/invite.html", cohort=found, course=course,
                           next=url_for(".join", code=found.join_code))


def _joined(cohort: Cohort):
    session.pop("invite", None)
    added = add_member(cohort, current_user)
    db.session.commit()
    flash(f"You joined “{cohort.name}”." if added else f"You are already in “{cohort.name}”.", "success")
    return redirect(url_for("courses.course", course_slug=cohort.course_slug))


@bp.app_template_filter("minutes")
def _minutes(seconds: int) -> str:
    return duration(seconds)
