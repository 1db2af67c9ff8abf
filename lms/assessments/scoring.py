"""Score a path through a role-play (CONTENT-FORMAT.md rule 7). Pure: no Flask, no database."""
from dataclasses import dataclass
from fractions import Fraction

from .model import END, Quiz


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
class Result:
    #: the final sum, floored at 0
    score: int
    maximum: int
    #: True / False once decided; None while a written answer waits for a trainer
    passed: bool | None
    critical: bool
    #: scene id of the critical choice taken, if any
    critical_scene: str | None
    competencies: tuple[CompetencyScore, ...]
    pending: bool

    @property
    def percent(self) -> float:
        if self.maximum <= 0:
            return 100.0
        return 100.0 * self.score / self.maximum


def next_scene(quiz: Quiz, scene_id: str, choice: int | None = None) -> str:
    """Where the attempt goes after answering a scene: a scene id or END."""
    scene = quiz.scene(scene_id)
    if scene is None or scene.kind == "ending":
        return END
    if scene.kind == "written":
        return scene.next
    return scene.choices[choice].target


def passes(score: int, maximum: int, pass_mark: float) -> bool:
    """100 × score >= pass_mark × maximum, in exact arithmetic."""
    return 100 * Fraction(score) >= Fraction(str(pass_mark)) * maximum


def score_path(quiz: Quiz, steps: list[Step]) -> Result:
    """Total, pass/fail and per-competency earned/possible for the scenes visited."""
    raw = 0
    critical_scene = None
    pending = False
    earned: dict[str, int] = {}
    possible: dict[str, int] = {}
    for step in steps:
        scene = quiz.scene(step.scene)
        if scene is None:
            continue
        _add_possible(scene, possible)
        if scene.kind == "choice" and step.choice is not None:
            choice = scene.choices[step.choice]
            raw += choice.points
            for competency, points in choice.competency_points().items():
                earned[competency] = earned.get(competency, 0) + points
            if choice.critical and critical_scene is None:
                critical_scene = scene.id
        elif scene.kind == "written":
            if step.awards is None:
                pending = True
                continue
            for criterion, awarded in zip(scene.rubric, step.awards):
                raw += awarded
                if criterion.competency:
                    earned[criterion.competency] = earned.get(criterion.competency, 0) + awarded
    score = max(raw, 0)
    critical = critical_scene is not None
    if critical:
        passed: bool | None = False
    elif pending:
        passed = None
    else:
        passed = passes(score, quiz.maximum, quiz.pass_mark)
    competencies = tuple(
        CompetencyScore(c, earned.get(c, 0), possible[c]) for c in sorted(possible)
    ) + tuple(CompetencyScore(c, earned[c], 0) for c in sorted(earned) if c not in possible)
    return Result(score=score, maximum=quiz.maximum, passed=passed, critical=critical,
                  critical_scene=critical_scene, competencies=competencies, pending=pending and not critical)


def _add_possible(scene, possible: dict[str, int]) -> None:
    """A scene's possible points per competency: the most any one choice (or its rubric) gives, never below 0."""
    best: dict[str, int] = {}
    if scene.kind == "choice":
        for choice in scene.choices:
            for competency, points in choice.competency_points().items():
                best[competency] = max(best.get(competency, 0), points)
    elif scene.kind == "written":
        for criterion in scene.rubric:
            if criterion.competency:
                best[criterion.competency] = best.get(criterion.competency, 0) + criterion.points
    for competency, points in best.items():
        possible[competency] = possible.get(competency, 0) + max(points, 0)


def is_finished(quiz: Quiz, steps: list[Step]) -> bool:
    """True when the path has reached an end (or an ending scene)."""
    if not steps:
        return False
    last = steps[-1]
    scene = quiz.scene(last.scene)
    if scene is not None and scene.kind == "ending":
        return True
    return next_scene(quiz, last.scene, last.choice) == END
