""" "Try from this scene": a practice walk through a role-play kept only in the author's session. Pure.

Practice attempts are rows (lms.assessments.attempts, `practice=True`) and always start at the first
scene; a walk from the middle of a role-play is a different thing, so it lives in the signed session
cookie (a few scene ids and choice numbers) and writes nothing to the database.
"""

from dataclasses import dataclass

from ..assessments.scoring import Result, Step, next_scene, score_path
from ..content.quiz import END, Quiz

#: the most steps a walk keeps (a role-play has no cycles, so a real walk is shorter than its scene count)
MAX_STEPS = 200


@dataclass(frozen=True)
class Walk:
    module: str
    quiz: str
    #: the version walked; a walk on an older version is dropped
    fingerprint: str
    start: str
    #: (scene id, choice index or None for a written scene) for each answered scene
    steps: tuple[tuple[str, int | None], ...] = ()

    def to_session(self) -> dict:
        return {
            "m": self.module,
            "q": self.quiz,
            "f": self.fingerprint,
            "s": self.start,
            "steps": [list(step) for step in self.steps],
        }


def from_session(data, quiz: Quiz, module: str) -> Walk | None:
    """The walk stored in the session if it is on this version of this role-play and still valid, else None."""
    if not isinstance(data, dict) or data.get("m") != module or data.get("q") != quiz.slug:
        return None
    if data.get("f") != quiz.fingerprint or quiz.scene(str(data.get("s"))) is None:
        return None
    walk = Walk(module, quiz.slug, quiz.fingerprint, str(data["s"]))
    for step in data.get("steps") or []:
        if not isinstance(step, list) or len(step) != 2:
            return None
        walk = take(quiz, walk, str(step[0]), step[1])
        if walk is None:
            return None
    return walk


def begin(quiz: Quiz, module: str, scene_id: str) -> Walk | None:
    """A new walk starting at `scene_id` (None if the role-play has no such scene)."""
    if quiz.scene(scene_id) is None:
        return None
    return Walk(module, quiz.slug, quiz.fingerprint, scene_id)


def current(quiz: Quiz, walk: Walk) -> str:
    """The scene the walk is at, or END once it has finished."""
    if not walk.steps:
        return walk.start
    scene_id, choice = walk.steps[-1]
    if quiz.scene(scene_id).is_ending:
        return END
    return next_scene(quiz, scene_id, choice)


def take(quiz: Quiz, walk: Walk, scene_id: str, choice) -> Walk | None:
    """The walk after answering `scene_id` (a choice index, or None for a written or ending scene);
    None when that is not the scene the walk is at or the choice is not one it offers."""
    here = current(quiz, walk)
    if here == END or scene_id != here or len(walk.steps) >= MAX_STEPS:
        return None
    scene = quiz.scene(here)
    if scene.is_ending:
        return None
    if scene.kind == "choice":
        if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(scene.choices):
            return None
    elif choice is not None:
        return None
    return Walk(walk.module, walk.quiz, walk.fingerprint, walk.start, (*walk.steps, (scene_id, choice)))


def finished(quiz: Quiz, walk: Walk) -> bool:
    return current(quiz, walk) == END or quiz.scene(current(quiz, walk)).is_ending


def results(quiz: Quiz, walk: Walk) -> tuple[Result, Result]:
    """The walk scored as an attempt would be, with its written answers at full marks and at none."""
    steps = list(walk.steps)
    here = current(quiz, walk)
    if here != END and quiz.scene(here).is_ending:
        steps.append((here, None))
    return _score(quiz, steps, True), _score(quiz, steps, False)


def _score(quiz: Quiz, steps: list, full: bool) -> Result:
    scored = []
    for scene_id, choice in steps:
        scene = quiz.scene(scene_id)
        awards = tuple(c.points if full else 0 for c in scene.rubric) if scene.kind == "written" else None
        scored.append(Step(scene_id, choice=choice, awards=awards))
    return score_path(quiz, scored)
