"""Role-play pages: introduction, one scene at a time, results, and the trainers' grading queue."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from .. import fastread
from ..cohorts import access
from ..auth import role_required
from ..mail import deliver_after
from ..auth.models import User
from ..content import catalog
from ..cohorts.roster import visible_cohorts
from ..extensions import db
from ..inputs import query_int
from .attempts import AttemptError, answer, availability, choice_order, grade, last_step, pending_queue, quiz_for_attempt, save_draft, start_attempt, step_count, steps_of, wait_words
from .forms import ChoiceForm, GradeForm, WrittenForm, criterion_field
from .models import OPEN, PENDING, Attempt
from .scoring import score_path

bp = Blueprint("assessments", __name__)
bp.add_app_template_filter(wait_words)


def _context_or_404(course_slug: str, module_slug: str, quiz_slug: str):
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


def _attempt_or_404(attempt_id: int, staff_may_view: bool = True, lock: bool = False) -> Attempt:
    """The attempt if it is the current user's (or staff who may see its trainee); 404 otherwise, never 403."""
    # The busiest page: one plain statement (lms.fastread) rather than an ORM load.
    attempt = fastread.get_for_update(Attempt, attempt_id) if lock else db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id and not (staff_may_view and current_user.is_staff
                                                   and access.can_see_trainee(current_user, attempt.user_id)):
        abort(404)
    return attempt


def _current_quiz(attempt: Attempt):
    module = catalog().module(attempt.module_slug)
    current = module.assessment(attempt.quiz_slug) if module else None
    return quiz_for_attempt(attempt, current)


@bp.route("/courses/<course_slug>/<module_slug>/roleplay/<quiz_slug>/")
@login_required
def intro(course_slug: str, module_slug: str, quiz_slug: str):
    course, module, quiz = _context_or_404(course_slug, module_slug, quiz_slug)
    status = availability(current_user.id, module.slug, quiz, practice=current_user.is_staff)
    return render_template("assessments/intro.html", course=course, module=module, quiz=quiz, status=status,
                           form=FlaskForm())


@bp.route("/courses/<course_slug>/<module_slug>/roleplay/<quiz_slug>/start", methods=["POST"])
@login_required
def start(course_slug: str, module_slug: str, quiz_slug: str):
    course, module, quiz = _context_or_404(course_slug, module_slug, quiz_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        # Trainers and admins practise: no limits, and nothing counts towards completion or analytics.
        attempt = start_attempt(current_user.id, course.slug, module.slug, quiz, practice=current_user.is_staff)
    except AttemptError as exc:
        if str(exc) != "wait":
            flash(str(exc), "error")
        return redirect(url_for(".intro", course_slug=course.slug, module_slug=module.slug, quiz_slug=quiz.slug))
    db.session.commit()
    return redirect(url_for(".play", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/play")
@login_required
def play(attempt_id: int):
    attempt = _attempt_or_404(attempt_id, staff_may_view=False)
    if attempt.state != OPEN:
        return redirect(url_for(".result", attempt_id=attempt.id))
    return _render_scene(attempt, _current_quiz(attempt))


def _render_scene(attempt: Attempt, quiz, form=None, status=200):
    scene = quiz.scene(attempt.current_scene)
    position = step_count(attempt)
    feedback = None
    last = last_step(attempt) if quiz.feedback == "immediate" and position else None
    if last is not None and last.choice_index is not None:
        previous = quiz.scene(last.scene_id)
        feedback = (previous, previous.choices[last.choice_index])
    if form is None:
        form = ChoiceForm() if scene.kind == "choice" else WrittenForm()
        form.position.data, form.scene.data = str(position), scene.id
        if scene.kind == "written":
            form.answer.data = attempt.draft
    order = choice_order(attempt, quiz, scene.id)
    conversation = []
    if scene.kind == "choice":
        form.choice.choices = [SelectChoice(str(i), "") for i in order]
    else:
        # A written scene asks the trainee to draw on what was said: show the route that led here.
        conversation = [(quiz.scene(step.scene_id), step) for step in attempt.steps if quiz.scene(step.scene_id)]
    module = catalog().module(attempt.module_slug)
    return render_template("assessments/scene.html", attempt=attempt, quiz=quiz, scene=scene, form=form,
                           order=order, feedback=feedback, module=module, step_number=position + 1,
                           conversation=conversation), status


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@login_required
def answer_step(attempt_id: int):
    # Locked: a double submit waits here and then sees the step the first one recorded.
    attempt = _attempt_or_404(attempt_id, staff_may_view=False, lock=True)
    if attempt.state != OPEN:
        return redirect(url_for(".result", attempt_id=attempt_id))
    quiz = _current_quiz(attempt)
    scene = quiz.scene(attempt.current_scene)
    position = request.form.get("position", "")
    if request.form.get("scene") != scene.id or not position.isdigit() or len(position) > 6:
        # A repeated or stale submit (double click, back button): show where the attempt really is.
        return redirect(url_for(".play", attempt_id=attempt_id))
    if scene.kind == "written" and "save_draft" in request.form:
        return _save_draft(attempt, quiz)
    choice, text = _quick_choice(scene), None
    if choice is None:
        # A written answer, or a choice that is missing or not one offered: the form validates it and,
        # if need be, shows the scene again with the trainee's input and a message. (CSRFProtect has
        # already checked the token, as it does for every POST.)
        form = ChoiceForm() if scene.kind == "choice" else WrittenForm()
        if scene.kind == "choice":
            form.choice.choices = [SelectChoice(str(i), "") for i in range(len(scene.choices))]
        if not form.validate_on_submit():
            form.position.data, form.scene.data = str(step_count(attempt)), scene.id
            return _render_scene(attempt, quiz, form, 422)
        choice, text = (form.choice.data, None) if scene.kind == "choice" else (None, form.answer.data)
    try:
        recorded = answer(attempt, quiz, int(position), scene.id, choice=choice, text=text)
        ended = attempt.state != OPEN  # read before the commit, which expires the attempt
        db.session.commit()
    except AttemptError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".play", attempt_id=attempt_id))
    except IntegrityError:
        db.session.rollback()  # another submit recorded this position first: nothing is counted twice
        return redirect(url_for(".play", attempt_id=attempt_id))
    return redirect(url_for(".result" if recorded and ended else ".play", attempt_id=attempt_id))


def _save_draft(attempt: Attempt, quiz):
    """Keep the written answer so far on the open attempt; it counts for nothing until submitted."""
    text = request.form.get("answer", "")
    try:
        save_draft(attempt, text)
    except AttemptError as exc:
        form = WrittenForm()
        form.position.data, form.scene.data = str(step_count(attempt)), attempt.current_scene
        form.answer.errors = [str(exc)]
        return _render_scene(attempt, quiz, form, 422)
    db.session.commit()
    flash("Draft saved. Only you can see it; it is sent to a trainer only when you press \"Submit my answer\"."
          if text.strip() else "Draft cleared.", "success")
    return redirect(url_for(".play", attempt_id=attempt.id))


def _quick_choice(scene) -> int | None:
    """The chosen response's index when the form holds exactly one valid choice, else None."""
    if scene.kind != "choice":
        return None
    values = request.form.getlist("choice")
    if len(values) != 1 or not values[0].isdigit() or int(values[0]) >= len(scene.choices):
        return None
    return int(values[0])


@bp.route("/attempts/<int:attempt_id>")
@login_required
def result(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if attempt.state == OPEN and attempt.user_id == current_user.id:
        return redirect(url_for(".play", attempt_id=attempt.id))
    quiz = _current_quiz(attempt)
    outcome = score_path(quiz, steps_of(attempt))
    module = catalog().module(attempt.module_slug)
    course = catalog().course(attempt.course_slug)
    status = availability(attempt.user_id, attempt.module_slug, quiz) if module else None
    return render_template("assessments/result.html", attempt=attempt, quiz=quiz, outcome=outcome, module=module,
                           course=course, status=status, competencies=catalog().competencies,
                           owner=db.session.get(User, attempt.user_id))


@bp.route("/grading/")
@role_required("trainer", "admin")
def grading_queue():
    cohorts = visible_cohorts(current_user)
    cohort_id = query_int("cohort")
    if cohort_id is not None and cohort_id not in {c.id for c in cohorts}:
        abort(404)
    attempts = pending_queue(cohort_id, access.trainee_filter(current_user, Attempt.user_id))
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_({a.user_id for a in attempts}))} if attempts else {}
    return render_template("assessments/queue.html", attempts=attempts, users=users, catalog=catalog(),
                           cohorts=cohorts, cohort_id=cohort_id)


@bp.route("/grading/<int:attempt_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def grade_attempt(attempt_id: int):
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not access.can_see_trainee(current_user, attempt.user_id):
        abort(404)
    if attempt.state != PENDING:
        flash("This answer has already been graded.", "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    quiz = _current_quiz(attempt)
    written = [(step, quiz.scene(step.scene_id)) for step in attempt.steps
               if quiz.scene(step.scene_id) and quiz.scene(step.scene_id).kind == "written"]
    form = _grade_form(written)
    if form.validate_on_submit():
        awards = {step.id: [form[f"c{step.id}_{c.index}"].data for c in scene.rubric] for step, scene in written}
        if grade(attempt, quiz, awards, form.comment.data, current_user.id):
            db.session.commit()
            flash("Grade saved. The trainee can now see the result and your comment.", "success")
        else:
            flash("Another trainer graded this answer first.", "info")
        return deliver_after(redirect(url_for(".grading_queue")))
    route = [(step, quiz.scene(step.scene_id)) for step in attempt.steps if quiz.scene(step.scene_id)]
    module = catalog().module(attempt.module_slug)
    current = module.assessment(attempt.quiz_slug) if module else None
    # An attempt on an older version keeps its own scenes; the grader's guide is the current one.
    guide = quiz.guide or (current.guide if current else {})
    return render_template("assessments/grade.html", attempt=attempt, quiz=quiz, written=written, form=form, route=route,
                           guide=guide,
                           owner=db.session.get(User, attempt.user_id), module=catalog().module(attempt.module_slug)), \
        200 if request.method == "GET" else 422


def _grade_form(written):
    class _Form(GradeForm):
        pass

    for step, scene in written:
        for criterion in scene.rubric:
            # The label is plain text (the rubric line without its formatting): the error summary shows it.
            setattr(_Form, f"c{step.id}_{criterion.index}", criterion_field(criterion.text.striptags(), criterion.points))
    return _Form()
