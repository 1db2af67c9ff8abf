"""Role-plays of a previewed candidate, in practice mode: the route so far lives in the author's session,
never in the database (no Attempt or step rows), and is scored with the same rules as real attempts.
`?from=<scene id>` starts a new route at that scene ("try from this scene")."""

from flask import abort, flash, redirect, render_template, request, session, url_for

from ..assessments.scoring import Step, next_scene, score_path
from ..auth import author_required
from ..content import catalog, previewing
from ..content.quiz import END
from .preview import PRACTICE_KEY
from .views import bp


@bp.route("/practice/<course_slug>/<module_slug>/<quiz_slug>", methods=["GET", "POST"])
@author_required
def practice(course_slug: str, module_slug: str, quiz_slug: str):
    if not previewing():
        flash("Role-plays of a candidate are practised while you preview it.", "info")
        return redirect(url_for(".index"))
    course, module = catalog().course(course_slug), catalog().module(module_slug)
    quiz = module.assessment(quiz_slug) if module and course and module_slug in course.modules else None
    if quiz is None:
        abort(404)
    key = f"{module.slug}/{quiz.slug}"
    state = session.get(PRACTICE_KEY) or {}
    if request.method == "GET" and "from" in request.args:
        # "Try from this scene": a new route that starts at any scene (an author checking one branch).
        state = {"quiz": key, "start": request.args["from"] if quiz.scene(request.args["from"]) else None, "steps": []}
        session[PRACTICE_KEY] = state
    if state.get("quiz") != key:
        state = {}  # a route through another role-play
    start = quiz.scene(state.get("start") or "") or quiz.first
    steps = state.get("steps", [])
    if not _still_valid(quiz, steps):
        steps = []  # the candidate was edited under this route: start again
    if request.method == "POST":
        steps = _answer(quiz, steps, start) if "restart" not in request.form else []
        session[PRACTICE_KEY] = {"quiz": key, "start": start.id, "steps": steps}
        return redirect(url_for(".practice", course_slug=course.slug, module_slug=module.slug, quiz_slug=quiz.slug))
    current = _current(quiz, steps, start)
    last = quiz.scene(steps[-1][0]) if steps else None
    feedback = (
        (last, last.choices[steps[-1][1]]) if last and last.kind == "choice" and quiz.feedback == "immediate" else None
    )
    result = score_path(quiz, [Step(s, c) for s, c in steps]) if current is None or current.is_ending else None
    return render_template(
        "publishing/practice.html",
        course=course,
        module=module,
        quiz=quiz,
        scene=current,
        feedback=feedback,
        result=result,
        step_number=len(steps) + 1,
    )


def _still_valid(quiz, steps: list) -> bool:
    """True when every step names a scene of this role-play and a choice it has."""
    for scene_id, choice in steps:
        scene = quiz.scene(scene_id)
        if scene is None or (choice is not None and not (scene.kind == "choice" and 0 <= choice < len(scene.choices))):
            return False
    return True


def _current(quiz, steps: list, start):
    """The scene to answer now, an ending scene, or None once the route has ended."""
    if not steps:
        return start
    target = next_scene(quiz, steps[-1][0], steps[-1][1])
    return None if target == END else quiz.scene(target)


def _answer(quiz, steps: list, start) -> list:
    """The route with this answer added; an answer to a scene other than the current one changes nothing."""
    scene = _current(quiz, steps, start)
    if scene is None or scene.is_ending or request.form.get("scene") != scene.id:
        return steps
    if scene.kind == "choice":
        choice = request.form.get("choice", "")
        if not choice.isdigit() or int(choice) >= len(scene.choices):
            flash("Please choose one of the responses.", "error")
            return steps
        return [*steps, [scene.id, int(choice)]]
    return [*steps, [scene.id, None]]  # a written answer: read by nobody, so not kept
