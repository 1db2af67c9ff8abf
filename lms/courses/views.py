"""Catalogue, course pages, lessons, module assets and the trainee's dashboard."""
import re
from dataclasses import dataclass
from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup

from ..assessments.attempts import recently_graded
from ..assessments.records import OpenAttempt, open_attempts, peek_module_attempts, pending_assessments
from ..certificates.records import certificates_of, status_notices, valid_first
from ..certificates.reminders import expiring
from ..database import begin_write
from ..extensions import db
from . import catalog
from .files import SVG_POLICY, media_type, served_file
from .content import Course, Module
from .progress import (COMPLETE, WAITING, NotReadToTheEnd, course_status, duration, finish_lesson, learner, open_lesson,
                       peek_progress, resume_section, view_needs_write)

bp = Blueprint("courses", __name__)


def _course_or_404(course_slug: str):
    course = catalog().course(course_slug)
    if course is None or (course.draft and not _is_staff()):
        abort(404)
    return course


def _module_or_404(course, module_slug: str):
    module = catalog().module(module_slug)
    if module is None or module_slug not in course.modules or (module.draft and not _is_staff()):
        abort(404)
    return module


def _is_staff() -> bool:
    return current_user.is_authenticated and current_user.is_staff


def _status(course):
    if not current_user.is_authenticated:
        return None
    return course_status(catalog(), course, *learner(current_user.id), waiting=pending_assessments(current_user.id))


@bp.app_template_filter("duration")
def _duration(seconds: int) -> str:
    return duration(seconds)


@bp.app_template_filter("toc_items")
@lru_cache(maxsize=512)
def _toc_items(toc: tuple) -> Markup:
    """A lesson's "On this page" list items, built once per content version (the same for every reader)."""
    item = Markup('<li><a href="#{}">{}</a></li>')
    return Markup("").join(item.format(entry.anchor, entry.text) for entry in toc if entry.level == 2)


@bp.route("/courses/")
def catalogue():
    courses = catalog().visible_courses()
    statuses = {}
    if current_user.is_authenticated:
        state = learner(current_user.id)
        statuses = {c.slug: course_status(catalog(), c, *state) for c in courses}
    return render_template("courses/catalogue.html", courses=courses, statuses=statuses, catalog=catalog())


@bp.route("/courses/<course_slug>/")
def course(course_slug: str):
    course = _course_or_404(course_slug)
    modules = [m for m in catalog().course_modules(course) if not m.draft or _is_staff()]
    status, resume = None, (None, None)
    if current_user.is_authenticated:
        state = learner(current_user.id)
        status = course_status(catalog(), course, *state, waiting=pending_assessments(current_user.id))
        resume = _continue([status], state[0], open_attempts(current_user.id), first=True)
    states = {item.module.slug: item for item in status.modules} if status else {}
    return render_template("courses/course.html", course=course, modules=modules, status=status, states=states,
                           resume=resume[0], also=resume[1])


#: a section number as a lesson's address may carry it: no sign, no leading zero, at most four digits
_SECTION = re.compile(r"[1-9][0-9]{0,3}")


def _section_or_404(module) -> int | None:
    """The ?section= asked for (None: the lesson's own address); anything else than one of its sections is a 404."""
    raw = request.args.get("section")
    if raw is None:
        return None
    if not _SECTION.fullmatch(raw) or int(raw) > module.section_count:
        abort(404)
    return int(raw)


@bp.route("/courses/<course_slug>/<module_slug>/")
@login_required
def lesson(course_slug: str, module_slug: str):
    course = _course_or_404(course_slug)
    module = _module_or_404(course, module_slug)
    section = _section_or_404(module)
    row = peek_progress(current_user.id, module.slug)
    if view_needs_write(row, course, module, section):
        begin_write()  # recording the view is the one GET that writes
        row = open_lesson(current_user.id, course, module, section)
        db.session.commit()
    slugs = list(course.modules)
    position = slugs.index(module.slug)
    previous = catalog().module(slugs[position - 1]) if position > 0 else None
    following = catalog().module(slugs[position + 1]) if position + 1 < len(slugs) else None
    attempts = peek_module_attempts(current_user.id, module.slug)
    # The lesson's own address shows its first section and offers the one last opened.
    stopped = resume_section(row, module) if section is None else None
    return render_template("courses/lesson.html", course=course, module=module, progress=row,
                           previous=previous, following=following, position=position + 1,
                           count=len(slugs), passed=attempts.passed, pending=attempts.pending, open=attempts.open,
                           section=section or 1, stopped=stopped if stopped and stopped > 1 else None)


@bp.route("/courses/<course_slug>/<module_slug>/finish", methods=["POST"])
@login_required
def finish(course_slug: str, module_slug: str):
    course = _course_or_404(course_slug)
    module = _module_or_404(course, module_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        _, newly = finish_lesson(current_user.id, course, module)
    except NotReadToTheEnd:
        flash(f"“{module.title}” has {module.section_count} sections: read to the last one, then choose "
              "“I have finished reading”.", "error")
        return redirect(url_for("courses.lesson", course_slug=course.slug, module_slug=module.slug))
    db.session.commit()
    if module.required_assessments:
        if newly:
            flash(f"Well done: you finished reading “{module.title}”. Next, the role-play.", "success")
        return redirect(_lesson_url(course, module, module.section_count) + "#practice")
    if newly:
        flash(f"Well done: you finished “{module.title}”.", "success")
    status = _status(course)
    if status.next_module is not None:
        return redirect(url_for("courses.lesson", course_slug=course.slug, module_slug=status.next_module.slug))
    return redirect(url_for("courses.course", course_slug=course.slug))


@bp.route("/courses/<course_slug>/<module_slug>/<path:asset>")
@login_required
def asset(course_slug: str, module_slug: str, asset: str):
    """A media file from the module folder (lms.courses.files): never a source, script, dotfile or link."""
    course = _course_or_404(course_slug)
    module = _module_or_404(course, module_slug)
    path = served_file(module.folder, asset)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=media_type(path.name), max_age=3600)
    if response.mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.route("/dashboard")
@login_required
def dashboard():
    rows, passed, overridden, attended = learner(current_user.id)
    courses = catalog().visible_courses()
    waiting = pending_assessments(current_user.id)
    statuses = [course_status(catalog(), c, rows, passed, overridden, attended, waiting) for c in courses]
    started = [s for s in statuses if s.started]
    resume, also = _continue(statuses, rows, open_attempts(current_user.id))
    certificates = certificates_of(current_user.id)
    return render_template("courses/dashboard.html", started=started, others=[s for s in statuses if not s.started],
                           resume=resume, also=also, certificates=valid_first(certificates),
                           status_changes=status_notices(certificates), expiring=expiring(current_user.id),
                           graded=recently_graded(current_user.id), catalog=catalog())


@dataclass(frozen=True)
class Resume:
    """Where "Continue" goes: a lesson at a section, or a role-play in progress."""

    course: Course
    module: Module
    url: str
    #: the lesson's section (1 for a one-page lesson); None for a role-play
    section: int | None = None
    #: the role-play in progress (lms.assessments.model.Quiz) and its attempt
    quiz: object = None
    attempt: OpenAttempt | None = None


def _lesson_url(course: Course, module: Module, section: int = 1) -> str:
    return url_for("courses.lesson", course_slug=course.slug, module_slug=module.slug,
                   section=section if module.sections and section > 1 else None)


def _continue(statuses, rows: dict, attempts: list[OpenAttempt], first: bool = False) -> tuple[Resume | None, Resume | None]:
    """(main, other) places to continue in the given courses: the lesson section last opened (or the next
    lesson; on one course's page, its first) and the role-play in progress, the more recently used one first."""
    courses = {s.course.slug: s for s in statuses}
    lesson = _lesson_to_continue(courses, rows, first and len(courses) == 1)
    role_play = next(filter(None, (_role_play_to_continue(courses, a) for a in attempts)), None)
    if role_play is None or lesson is None:
        return role_play or lesson, None
    opened = rows[lesson.module.slug].last_opened_at if lesson.module.slug in rows else None
    if opened is None or role_play.attempt.last_active_at >= opened:
        return role_play, lesson
    return lesson, role_play


def _lesson_to_continue(courses: dict, rows: dict, first: bool) -> Resume | None:
    """The lesson last opened, at its section, unless it is done; then the course's next lesson. With
    nothing opened yet: the next lesson of the one course if `first`, else nothing."""
    latest = max((r for r in rows.values() if r.course_slug in courses), key=lambda r: r.last_opened_at, default=None)
    if latest is None:
        if not first:
            return None
        status = next(iter(courses.values()))
    else:
        status = courses[latest.course_slug]
        for item in status.modules:
            if item.module.slug == latest.module_slug and item.state not in (COMPLETE, WAITING):
                section = resume_section(latest, item.module)
                return Resume(status.course, item.module, _lesson_url(status.course, item.module, section), section)
    module = status.next_module
    if module is None:
        return None
    section = resume_section(rows.get(module.slug), module)
    return Resume(status.course, module, _lesson_url(status.course, module, section), section)


def _role_play_to_continue(courses: dict, attempt: OpenAttempt) -> Resume | None:
    status = courses.get(attempt.course_slug)
    module = catalog().module(attempt.module_slug)
    quiz = module.assessment(attempt.quiz_slug) if module else None
    if status is None or quiz is None or module.draft:
        return None
    return Resume(status.course, module, url_for("assessments.play", attempt_id=attempt.id), quiz=quiz, attempt=attempt)
