"""Score a path through a role-play, decision by decision (docs/authoring.md, section 6). Pure: no Flask, no database.

Each scene the trainee visited has a possible score (its best non-critical choice, never below 0, or
its whole rubric); the attempt's possible is the sum over the scenes visited and its score the sum of
what was earned, floored at 0 only at the end. A route of best answers therefore scores 100% however
short it is.
"""

from dataclasses import dataclass
from fractions import Fraction

from ..content.quiz import END, Quiz

#: attempts record which rule scored them: 1 = percent of the longest path's maximum (format v1),
#: 2 = decision by decision (format v2). Attempts finished under rule 1 keep the result they were given.
RULE = 2


@dataclass(frozen=True)
class Step:
    """One answered scene: a choice index, or the rubric points a trainer awarded (None: not graded yet)."""

    scene: str
    choice: int | None = None
    awards: tuple[int, ...] | None = None


@dataclass(frozen=True)
class CompetencyScore:
    competency: str
    earned: int
    possible: int


@dataclass(frozen=True)
class Decision:
    """What one visited scene earned of what was possible there."""

    scene: str
    title: str | None
    kind: str
    #: the choice taken (choice scenes), else None
    choice: int | None
    #: None while a written answer waits for a trainer
    earned: int | None
    possible: int
    critical: bool = False


@dataclass(frozen=True)
class Result:
    #: the final sum, floored at 0
    score: int
    #: the sum of the possible scores of the scenes visited
    possible: int
    #: True / False once decided; None while a written answer waits for a trainer
    passed: bool | None
    critical: bool
    #: scene id of the critical choice taken, if any
    critical_scene: str | None
    competencies: tuple[CompetencyScore, ...]
    pending: bool
    decisions: tuple[Decision, ...] = ()

    @property
    def percent(self) -> float:
        return percent(self.score, self.possible)


def percent(score: int, possible: int | None) -> float:
    """The shown percentage; a route with nothing possible scores 100%."""
    if not possible or possible <= 0:
        return 100.0
    return 100.0 * score / possible


def next_scene(quiz: Quiz, scene_id: str, choice: int | None = None) -> str:
    """Where the attempt goes after answering a scene: a scene id or END."""
    scene = quiz.scene(scene_id)
    if scene is None or scene.kind == "ending":
        return END
    if scene.kind == "written":
        return scene.next
    if choice is None:
        raise ValueError(f"scene {scene_id} is answered with a choice")
    return scene.choices[choice].target


def passes(score: int, possible: int, pass_mark: float) -> bool:
    """100 × score >= pass_mark × possible, in exact arithmetic."""
    return 100 * Fraction(score) >= Fraction(str(pass_mark)) * possible


def score_path(quiz: Quiz, steps: list[Step]) -> Result:
    """Score, possible, pass/fail, per-competency and per-decision figures for the scenes visited."""
    raw = possible = 0
    critical_scene = None
    pending = False
    earned: dict[str, int] = {}
    possible_by: dict[str, int] = {}
    decisions = []
    for step in steps:
        scene = quiz.scene(step.scene)
        if scene is None:
            continue
        possible += scene.possible
        for competency, points in scene.possible_by_competency().items():
            possible_by[competency] = possible_by.get(competency, 0) + points
        got: int | None = 0
        critical = False
        if scene.kind == "choice" and step.choice is not None:
            choice = scene.choices[step.choice]
            got = choice.points
            for competency, points in choice.competency_points().items():
                earned[competency] = earned.get(competency, 0) + points
            critical = choice.critical
            if critical and critical_scene is None:
                critical_scene = scene.id
        elif scene.kind == "written":
            if step.awards is None:
                pending, got = True, None
            else:
                got = sum(step.awards)
                for criterion, awarded in zip(scene.rubric, step.awards, strict=False):
                    if criterion.competency:
                        earned[criterion.competency] = earned.get(criterion.competency, 0) + awarded
        raw += got or 0
        if scene.kind != "ending":
            decisions.append(Decision(scene.id, scene.title, scene.kind, step.choice, got, scene.possible, critical))
    score = max(raw, 0)
    critical = critical_scene is not None
    if critical:
        passed: bool | None = False
    elif pending:
        passed = None
    else:
        passed = passes(score, possible, quiz.pass_mark)
    competencies = tuple(CompetencyScore(c, earned.get(c, 0), possible_by[c]) for c in sorted(possible_by)) + tuple(
        CompetencyScore(c, earned[c], 0) for c in sorted(earned) if c not in possible_by
    )
    return Result(
        score=score,
        possible=possible,
        passed=passed,
        critical=critical,
        critical_scene=critical_scene,
        competencies=competencies,
        pending=pending and not critical,
        decisions=tuple(decisions),
    )


def is_finished(quiz: Quiz, steps: list[Step]) -> bool:
    """True when the path has reached an end (or an ending scene)."""
    if not steps:
        return False
    last = steps[-1]
    scene = quiz.scene(last.scene)
    if scene is not None and scene.kind == "ending":
        return True
    return next_scene(quiz, last.scene, last.choice) == END
