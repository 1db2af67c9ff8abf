"""A course as the trainee walks it: the catalogue, course pages, lessons, module files, the role-play
introductions, and claiming the certificate (/courses/...)."""

import re
from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup

from ..assessments.api import open_attempts, peek_module_attempts
from ..assessments.attempts import AttemptError, AttemptWait, availability, start_attempt
from ..auth.api import account
from ..certificates.forms import ClaimForm
from ..certificates.issue import IssueError, claim, eligibility
from ..certificates.models import Certificate
from ..completion.api import course_status, learner, resume_points
from ..content import catalog, previewing
from ..content.files import SVG_POLICY, media_type, served_file
from ..database import begin_write
from ..extensions import db
from ..reading.progress import (
    NotReadToTheEnd,
    finish_lesson,
    open_lesson,
    peek_progress,
    resume_section,
    view_needs_write,
)

bp = Blueprint("courses", __name__, url_prefix="/courses")


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
    return course_status(catalog(), course, learner(current_user.id))


@bp.app_template_filter("toc_items")
@lru_cache(maxsize=512)
def _toc_items(toc: tuple) -> Markup:
    """A lesson's "On this page" list items, built once per content version (the same for every reader)."""
    item = Markup('<li><a href="#{}">{}</a></li>')
    return Markup("").join(item.format(entry.anchor, entry.text) for entry in toc if entry.level == 2)


@bp.route("/")
def catalogue():
    courses = catalog().visible_courses()
    statuses = {}
    if current_user.is_authenticated:
        state = learner(current_user.id)
        statuses = {c.slug: course_status(catalog(), c, state) for c in courses}
    return render_template("courses/catalogue.html", courses=courses, statuses=statuses, catalog=catalog())


@bp.route("/<course_slug>/")
def course(course_slug: str):
    course = _course_or_404(course_slug)
    modules = [m for m in catalog().course_modules(course) if not m.draft or _is_staff()]
    status, resume = None, (None, None)
    if current_user.is_authenticated:
        record = learner(current_user.id)
        status = course_status(catalog(), course, record)
        resume = resume_points(catalog(), [status], record, open_attempts(current_user.id), first=True)
    states = {item.module.slug: item for item in status.modules} if status else {}
    return render_template(
        "courses/course.html",
        course=course,
        modules=modules,
        status=status,
        states=states,
        resume=resume[0],
        also=resume[1],
    )


#: a section number as a lesson's address may carry it: no sign, no leading zero, at most four digits
_SECTION = re.compile(r"[1-9][0-9]{0,3}")


def _section_or_404(module) -> int | None:
    """The ?section= asked for (None: the lesson's own address); anything but one of its sections is a 404."""
    raw = request.args.get("section")
    if raw is None:
        return None
    if not _SECTION.fullmatch(raw) or int(raw) > module.section_count:
        abort(404)
    return int(raw)


@bp.route("/<course_slug>/<module_slug>/")
@login_required
def lesson(course_slug: str, module_slug: str):
    course = _course_or_404(course_slug)
    module = _module_or_404(course, module_slug)
    section = _section_or_404(module)
    row = peek_progress(current_user.id, module.slug)
    if view_needs_write(row, course, module, section) and not previewing():  # an author's preview records nothing
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
    return render_template(
        "courses/lesson.html",
        course=course,
        module=module,
        progress=row,
        previous=previous,
        following=following,
        position=position + 1,
        count=len(slugs),
        passed=attempts.passed,
        pending=attempts.pending,
        open=attempts.open,
        section=section or 1,
        stopped=stopped if stopped and stopped > 1 else None,
    )


@bp.route("/<course_slug>/<module_slug>/finish", methods=["POST"])
@login_required
def finish(course_slug: str, module_slug: str):
    course = _course_or_404(course_slug)
    module = _module_or_404(course, module_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        _, newly = finish_lesson(current_user.id, course, module)
    except NotReadToTheEnd:
        flash(
            f"“{module.title}” has {module.section_count} sections: read to the last one, then choose "
            "“I have finished reading”.",
            "error",
        )
        return redirect(url_for("courses.lesson", course_slug=course.slug, module_slug=module.slug))
    db.session.commit()
    if module.required_assessments:
        if newly:
            flash(f"Well done: you finished reading “{module.title}”. Next, the role-play.", "success")
        last = module.section_count if module.sections else None
        return redirect(
            url_for("courses.lesson", course_slug=course.slug, module_slug=module.slug, section=last) + "#practice"
        )
    if newly:
        flash(f"Well done: you finished “{module.title}”.", "success")
    status = _status(course)
    if status.next_module is not None:
        return redirect(url_for("courses.lesson", course_slug=course.slug, module_slug=status.next_module.slug))
    return redirect(url_for("courses.course", course_slug=course.slug))


@bp.route("/<course_slug>/<module_slug>/<path:asset>")
@login_required
def asset(course_slug: str, module_slug: str, asset: str):
    """A media file from the module folder (lms.content.files): never a source, script, dotfile or link."""
    course = _course_or_404(course_slug)
    module = _module_or_404(course, module_slug)
    path = served_file(module.folder, asset)
    if path is None:
        abort(404)
    # A previewed candidate's file has the live file's address: never cached, so neither is seen in place of the other.
    response = send_file(path, mimetype=media_type(path.name), max_age=0 if previewing() else 3600)
    if response.mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


def _roleplay_or_404(course_slug: str, module_slug: str, quiz_slug: str):
    course = catalog().course(course_slug)
    module = catalog().module(module_slug)
    if course is None or module is None or module_slug not in course.modules:
        abort(404)
    if (course.draft or module.draft) and not current_user.is_staff:
        abort(404)
    quiz = module.assessment(quiz_slug)
    if quiz is None:
        abort(404)
    return course, module, quiz


@bp.route("/<course_slug>/<module_slug>/roleplay/<quiz_slug>/")
@login_required
def roleplay_intro(course_slug: str, module_slug: str, quiz_slug: str):
    course, module, quiz = _roleplay_or_404(course_slug, module_slug, quiz_slug)
    status = availability(current_user.id, module.slug, quiz, practice=current_user.is_staff)
    return render_template(
        "assessments/intro.html", course=course, module=module, quiz=quiz, status=status, form=FlaskForm()
    )


@bp.route("/<course_slug>/<module_slug>/roleplay/<quiz_slug>/start", methods=["POST"])
@login_required
def roleplay_start(course_slug: str, module_slug: str, quiz_slug: str):
    course, module, quiz = _roleplay_or_404(course_slug, module_slug, quiz_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        # Trainers and admins practise: no limits, and nothing counts towards completion or analytics.
        attempt = start_attempt(current_user.id, course.slug, module.slug, quiz, practice=current_user.is_staff)
    except AttemptWait:
        pass  # the intro page says when it opens again
    except AttemptError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        return redirect(url_for("assessments.play", attempt_id=attempt.id))
    return redirect(url_for(".roleplay_intro", course_slug=course.slug, module_slug=module.slug, quiz_slug=quiz.slug))


@bp.route("/<course_slug>/certificate", methods=["GET", "POST"])
@login_required
def claim_certificate(course_slug: str):
    course = catalog().course(course_slug)
    if course is None or (course.draft and not current_user.is_staff):
        abort(404)
    status = eligibility(current_user, catalog(), course)
    attestation = catalog().attestations.get(course.attestation) if course.attestation else None
    form = ClaimForm(attestation_title=attestation.title if attestation else None)
    if request.method == "GET":
        form.holder_name.data = current_user.legal_name
    elif status.blocked is None and form.validate_on_submit():  # revoked or suspended: 403, the page says why
        try:
            # One name, asked once: printed on the certificate and, with the tick, the attestation's typed signature.
            result = claim(
                current_user, catalog(), course, form.holder_name.data, form.holder_name.data if attestation else None
            )
        except IssueError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".claim_certificate", course_slug=course.slug))
        if form.holder_name.data != current_user.legal_name:
            account(current_user).legal_name = form.holder_name.data
        db.session.commit()
        if isinstance(result, Certificate):
            flash("Congratulations! Your certificate has been issued.", "success")
            return redirect(url_for("certificates.detail", cert_id=result.id))
        flash(
            "Thank you. A trainer will review and approve your certificate; you will see it here once approved.",
            "success",
        )
        return redirect(url_for(".claim_certificate", course_slug=course.slug))
    return render_template(
        "certificates/claim.html", course=course, status=status, form=form, attestation=attestation
    ), 200 if request.method == "GET" else 403 if status.blocked else 422
