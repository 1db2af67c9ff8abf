"""Role-plays of a previewed candidate, in practice mode: the route so far is a walk (lms.publishing.tryout)
in the author's session, never in the database (no Attempt or step rows), scored with the same rules as
real attempts. `?from=<scene id>` starts a new walk at that scene ("try from this scene")."""

from flask import abort, flash, redirect, render_template, request, session, url_for

from ..assessments.scoring import Step, score_path
from ..auth import author_required
from ..content import catalog, previewing
from ..content.quiz import END
from .preview import PRACTICE_KEY
from .tryout import Walk, begin, current, from_session, take
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
    # The walk of lms.publishing.tryout, as the role-play map's "Try from this scene" keeps it: a walk on
    # another role-play, or on a version the candidate no longer has, starts again at the first scene.
    fresh = begin(quiz, module.slug, quiz.first.id)
    walk = from_session(session.get(PRACTICE_KEY), quiz, module.slug) or fresh
    if request.method == "GET" and "from" in request.args:
        # "Try from this scene": a new walk that starts at any scene (an author checking one branch).
        walk = begin(quiz, module.slug, request.args["from"]) or fresh
        session[PRACTICE_KEY] = walk.to_session()
    if request.method == "POST":
        walk = begin(quiz, module.slug, walk.start) if "restart" in request.form else _answer(quiz, walk)
        session[PRACTICE_KEY] = walk.to_session()
        return redirect(url_for(".practice", course_slug=course.slug, module_slug=module.slug, quiz_slug=quiz.slug))
    here = current(quiz, walk)
    scene = quiz.scene(here) if here != END else None
    last = quiz.scene(walk.steps[-1][0]) if walk.steps else None
    feedback = (
        (last, last.choices[walk.steps[-1][1]])
        if last and last.kind == "choice" and quiz.feedback == "immediate"
        else None
    )
    result = score_path(quiz, [Step(s, c) for s, c in walk.steps]) if scene is None or scene.is_ending else None
    return render_template(
        "publishing/practice.html",
        course=course,
        module=module,
        quiz=quiz,
        scene=scene,
        feedback=feedback,
        result=result,
        step_number=len(walk.steps) + 1,
    )


def _answer(quiz, walk: Walk) -> Walk:
    """The walk with this answer added; a repeated or stale submit (another scene) changes nothing."""
    scene = quiz.scene(request.form.get("scene", ""))
    if scene is None or scene.id != current(quiz, walk):
        return walk
    if scene.kind == "choice":
        raw = request.form.get("choice", "")
        after = take(quiz, walk, scene.id, int(raw)) if raw.isdigit() and len(raw) < 4 else None
        if after is None:
            flash("Please choose one of the responses.", "error")
        return after or walk
    return take(quiz, walk, scene.id, None) or walk  # a written answer is read by nobody, so it is not kept
