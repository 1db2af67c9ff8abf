"""Grading written answers: the queue of a trainer's cohorts and the grading page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..assessments.attempts import current_quiz, pending_queue
from ..assessments.attempts import grade as grade_attempt
from ..assessments.forms import GradeForm, criterion_field
from ..assessments.models import PENDING, Attempt
from ..auth import role_required
from ..auth.models import User
from ..cohorts import access
from ..cohorts.roster import visible_cohorts
from ..content import catalog
from ..extensions import db
from ..inputs import query_int
from ..mail import deliver_after

bp = Blueprint("grading", __name__, url_prefix="/staff/grading")


@bp.route("/")
@role_required("trainer", "admin")
def queue():
    cohorts = visible_cohorts(current_user)
    cohort_id = query_int("cohort")
    if cohort_id is not None and cohort_id not in {c.id for c in cohorts}:
        abort(404)
    attempts = pending_queue(cohort_id, access.trainee_filter(current_user, Attempt.user_id))
    users = (
        {u.id: u for u in db.session.query(User).filter(User.id.in_({a.user_id for a in attempts}))} if attempts else {}
    )
    return render_template(
        "trainers/grading_queue.html",
        attempts=attempts,
        users=users,
        catalog=catalog(),
        cohorts=cohorts,
        cohort_id=cohort_id,
    )


@bp.route("/<int:attempt_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def grade(attempt_id: int):
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not access.can_see_trainee(current_user, attempt.user_id):
        abort(404)
    if attempt.state != PENDING:
        flash("This answer has already been graded.", "info")
        return redirect(url_for("assessments.result", attempt_id=attempt.id))
    quiz = current_quiz(attempt, catalog())
    written = [
        (step, quiz.scene(step.scene_id))
        for step in attempt.steps
        if quiz.scene(step.scene_id) and quiz.scene(step.scene_id).kind == "written"
    ]
    form = _grade_form(written)
    if form.validate_on_submit():
        awards = {step.id: [form[f"c{step.id}_{c.index}"].data for c in scene.rubric] for step, scene in written}
        if grade_attempt(attempt, quiz, awards, form.comment.data, current_user.id):
            db.session.commit()
            flash("Grade saved. The trainee can now see the result and your comment.", "success")
        else:
            flash("Another trainer graded this answer first.", "info")
        return deliver_after(redirect(url_for(".queue")))
    route = [(step, quiz.scene(step.scene_id)) for step in attempt.steps if quiz.scene(step.scene_id)]
    module = catalog().module(attempt.module_slug)
    current = module.assessment(attempt.quiz_slug) if module else None
    # An attempt on an older version keeps its own scenes; the grader's guide is the current one.
    guide = quiz.guide or (current.guide if current else {})
    return render_template(
        "trainers/grade.html",
        attempt=attempt,
        quiz=quiz,
        written=written,
        form=form,
        route=route,
        guide=guide,
        owner=db.session.get(User, attempt.user_id),
        module=module,
    ), 200 if request.method == "GET" else 422


def _grade_form(written):
    class _Form(GradeForm):
        pass

    for step, scene in written:
        for criterion in scene.rubric:
            # The label is plain text (the rubric line without its formatting): the error summary shows it.
            setattr(
                _Form, f"c{step.id}_{criterion.index}", criterion_field(criterion.text.striptags(), criterion.points)
            )
    return _Form()
