"""Role-play maps for authors, and "Try from this scene": a practice walk that records nothing."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm

from ..auth import author_required
from ..content import catalog
from .rolemap import build_map
from .svg import map_svg
from .tryout import begin, current, finished, from_session, results, take
from .views import bp

#: the one walk an author has going, in the signed session cookie (never in the database)
WALK_KEY = "rolemap_walk"


def _quiz_or_404(module_slug: str, quiz_slug: str):
    module = catalog().module(module_slug)
    quiz = module.assessment(quiz_slug) if module else None
    if quiz is None:
        abort(404)
    return module, quiz


@bp.route("/roleplays/")
@author_required
def rolemaps():
    modules = [m for m in catalog().modules.values() if m.assessments]
    return render_template("publishing/rolemaps.html", modules=modules)


@bp.route("/roleplays/<module_slug>/<quiz_slug>/")
@author_required
def rolemap(module_slug: str, quiz_slug: str):
    module, quiz = _quiz_or_404(module_slug, quiz_slug)
    rolemap = build_map(quiz)
    return render_template(
        "publishing/rolemap.html",
        module=module,
        quiz=quiz,
        rolemap=rolemap,
        svg=map_svg(rolemap),
        competencies=catalog().competencies,
        form=FlaskForm(),
    )


@bp.route("/roleplays/<module_slug>/<quiz_slug>/try", methods=["POST"])
@author_required
def rolemap_try(module_slug: str, quiz_slug: str):
    module, quiz = _quiz_or_404(module_slug, quiz_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    walk = begin(quiz, module.slug, request.form.get("scene", ""))
    if walk is None:
        abort(404)
    session[WALK_KEY] = walk.to_session()
    return redirect(url_for(".rolemap_walk", module_slug=module.slug, quiz_slug=quiz.slug))


@bp.route("/roleplays/<module_slug>/<quiz_slug>/try")
@author_required
def rolemap_walk(module_slug: str, quiz_slug: str):
    module, quiz = _quiz_or_404(module_slug, quiz_slug)
    walk = from_session(session.get(WALK_KEY), quiz, module.slug)
    if walk is None:
        flash(
            "Choose a scene to try from: the practice run was not started, or the role-play has changed since.", "info"
        )
        return redirect(url_for(".rolemap", module_slug=module.slug, quiz_slug=quiz.slug))
    last = None
    if walk.steps and walk.steps[-1][1] is not None:
        scene_id, choice = walk.steps[-1]
        last = quiz.scene(scene_id).choices[choice]
    here = current(quiz, walk)
    done = finished(quiz, walk)
    return render_template(
        "publishing/walk.html",
        module=module,
        quiz=quiz,
        walk=walk,
        last=last,
        scene=quiz.scene(here),
        done=done,
        outcome=results(quiz, walk) if done else None,
        form=FlaskForm(),
    )


@bp.route("/roleplays/<module_slug>/<quiz_slug>/try/answer", methods=["POST"])
@author_required
def rolemap_answer(module_slug: str, quiz_slug: str):
    module, quiz = _quiz_or_404(module_slug, quiz_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    walk = from_session(session.get(WALK_KEY), quiz, module.slug)
    if walk is None:
        return redirect(url_for(".rolemap_walk", module_slug=module.slug, quiz_slug=quiz.slug))
    raw = request.form.get("choice")
    choice = int(raw) if raw is not None and raw.isdigit() and len(raw) < 4 else None
    scene = quiz.scene(request.form.get("scene", ""))
    if scene is not None and scene.kind == "choice" and choice is None:
        flash("Please choose one of the responses.", "error")
        return redirect(url_for(".rolemap_walk", module_slug=module.slug, quiz_slug=quiz.slug))
    after = take(quiz, walk, request.form.get("scene", ""), choice)
    if after is not None:  # else a repeated or stale submit: show where the walk really is
        session[WALK_KEY] = after.to_session()
    return redirect(url_for(".rolemap_walk", module_slug=module.slug, quiz_slug=quiz.slug))
