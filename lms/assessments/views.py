"""Role-play pages: introduction, one scene at a time, results, and the trainers' grading queue."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..cohorts import access
from ..content import catalog
from ..extensions import db
from .attempts import (
    MAX_ANSWER_LENGTH,
    STALE,
    AttemptError,
    answer,
    availability,
    choice_order,
    current_quiz,
    last_step,
    parse_answer,
    save_draft,
    step_count,
    steps_of,
    wait_words,
)
from .forms import ChoiceForm, WrittenForm
from .models import OPEN, Attempt
from .scoring import score_path

bp = Blueprint("assessments", __name__, url_prefix="/attempts")
bp.add_app_template_filter(wait_words)


def _attempt_or_404(attempt_id: int, staff_may_view: bool = True, lock: bool = False) -> Attempt:
    """The attempt if it is the current user's (or staff who may see its trainee); 404 otherwise, never 403."""
    attempt = db.session.get(Attempt, attempt_id, with_for_update=lock)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id and not (
        staff_may_view and current_user.is_staff and access.can_see_trainee(current_user, attempt.user_id)
    ):
        abort(404)
    return attempt


@bp.route("/<int:attempt_id>/play")
@login_required
def play(attempt_id: int):
    attempt = _attempt_or_404(attempt_id, staff_may_view=False)
    if attempt.state != OPEN:
        return redirect(url_for(".result", attempt_id=attempt.id))
    return _render_scene(attempt, current_quiz(attempt, catalog()))


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
    return render_template(
        "assessments/scene.html",
        attempt=attempt,
        quiz=quiz,
        scene=scene,
        form=form,
        max_answer_length=MAX_ANSWER_LENGTH,
        order=order,
        feedback=feedback,
        module=module,
        step_number=position + 1,
        conversation=conversation,
    ), status


@bp.route("/<int:attempt_id>/answer", methods=["POST"])
@login_required
def answer_step(attempt_id: int):
    """Check the answer once (parse_answer), record it once (answer), then show the next scene or the result."""
    # Locked: a double submit waits here and then sees the step the first one recorded.
    attempt = _attempt_or_404(attempt_id, staff_may_view=False, lock=True)
    if attempt.state != OPEN:
        return redirect(url_for(".result", attempt_id=attempt_id))
    quiz = current_quiz(attempt, catalog())
    scene = quiz.scene(attempt.current_scene)
    position = step_count(attempt)
    if scene.kind == "written" and "save_draft" in request.form:
        return _save_draft(attempt, quiz, position)
    given = parse_answer(scene, position, request.form)
    if given == STALE:
        # A repeated or stale submit (double click, back button): show where the attempt really is.
        return redirect(url_for(".play", attempt_id=attempt_id))
    if isinstance(given, str):
        return _render_scene(attempt, quiz, _form_again(scene, position, given), 422)
    try:
        outcome = answer(attempt, quiz, given)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another submit recorded this position first: nothing is counted twice
        return redirect(url_for(".play", attempt_id=attempt_id))
    return redirect(url_for(".result" if outcome.ended else ".play", attempt_id=attempt_id))


def _form_again(scene, position: int, message: str):
    """The scene's form with the trainee's input and the message, to show the scene again."""
    form = ChoiceForm() if scene.kind == "choice" else WrittenForm()
    form.position.data, form.scene.data = str(position), scene.id
    if scene.kind == "choice":
        form.choice.errors = [message]
    else:
        form.answer.data = request.form.get("answer", "")
        form.answer.errors = [message]
    return form


def _save_draft(attempt: Attempt, quiz, position: int):
    """Keep the written answer so far on the open attempt; it counts for nothing until submitted."""
    text = request.form.get("answer", "")
    try:
        save_draft(attempt, text)
    except AttemptError as exc:
        return _render_scene(attempt, quiz, _form_again(quiz.scene(attempt.current_scene), position, str(exc)), 422)
    db.session.commit()
    flash(
        'Draft saved. Only you can see it; it is sent to a trainer only when you press "Submit my answer".'
        if text.strip()
        else "Draft cleared.",
        "success",
    )
    return redirect(url_for(".play", attempt_id=attempt.id))


@bp.route("/<int:attempt_id>")
@login_required
def result(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if attempt.state == OPEN and attempt.user_id == current_user.id:
        return redirect(url_for(".play", attempt_id=attempt.id))
    quiz = current_quiz(attempt, catalog())
    outcome = score_path(quiz, steps_of(attempt))
    module = catalog().module(attempt.module_slug)
    course = catalog().course(attempt.course_slug)
    status = availability(attempt.user_id, attempt.module_slug, quiz) if module else None
    return render_template(
        "assessments/result.html",
        attempt=attempt,
        quiz=quiz,
        outcome=outcome,
        module=module,
        course=course,
        status=status,
        competencies=catalog().competencies,
        owner=db.session.get(User, attempt.user_id),
    )
