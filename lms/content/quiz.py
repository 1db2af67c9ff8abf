"""A role-play as frozen data: scenes, choices, rubrics. No Flask, no database."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

END = "end"


@dataclass(frozen=True)
class Score:
    points: int
    #: None: the points count towards the total only
    competency: str | None = None


@dataclass(frozen=True)
class Choice:
    index: int
    text: Markup
    #: the scene this choice leads to, or END; resolved at parse time (no arrow = next scene)
    target: str
    scores: tuple[Score, ...]
    critical: bool
    feedback: Markup | None
    line: int

    @property
    def points(self) -> int:
        return sum(s.points for s in self.scores)

    def competency_points(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for s in self.scores:
            if s.competency:
                result[s.competency] = result.get(s.competency, 0) + s.points
        return result


@dataclass(frozen=True)
class Anchor:
    """What an answer worth `score` points looks like on one rubric criterion (docs/authoring.md, "Written scenes and rubrics")."""

    score: int
    text: Markup


@dataclass(frozen=True)
class Criterion:
    index: int
    text: Markup
    points: int
    competency: str | None
    line: int
    #: score anchors, highest score first; graders see them beside the score they choose
    anchors: tuple[Anchor, ...] = ()

    def anchor(self, score: int) -> Anchor | None:
        return next((a for a in self.anchors if a.score == score), None)


@dataclass(frozen=True)
class Scene:
    id: str
    title: str | None
    #: "choice", "written" or "ending"
    kind: str
    prompt: Markup
    choices: tuple[Choice, ...]
    rubric: tuple[Criterion, ...]
    #: where a written scene goes on to: the next scene in the file, or END
    next: str
    line: int

    @property
    def is_ending(self) -> bool:
        return self.kind == "ending"

    @property
    def rubric_points(self) -> int:
        return sum(c.points for c in self.rubric)

    @property
    def possible(self) -> int:
        """The most this one decision can earn (docs/authoring.md, section 6): the best non-critical choice, never below 0,
        or the whole rubric of a written scene."""
        if self.kind == "written":
            return self.rubric_points
        return max([0, *(c.points for c in self.choices if not c.critical)])

    def possible_by_competency(self) -> dict[str, int]:
        """Per competency, the most any one non-critical choice (or the rubric) gives it, never below 0."""
        best: dict[str, int] = {}
        if self.kind == "written":
            for criterion in self.rubric:
                if criterion.competency:
                    best[criterion.competency] = best.get(criterion.competency, 0) + criterion.points
        for choice in self.choices:
            if choice.critical:
                continue
            for competency, points in choice.competency_points().items():
                best[competency] = max(best.get(competency, 0), points)
        return {c: max(p, 0) for c, p in best.items()}


@dataclass(frozen=True)
class Quiz:
    slug: str
    title: str
    intro: Markup
    pass_mark: float
    max_attempts: int
    retry_after_minutes: int
    feedback: str
    shuffle: bool
    required: bool
    scenes: tuple[Scene, ...]
    #: the most points any one route can earn (the longest path); shown to authors, and the
    #: denominator of attempts scored under format version 1
    maximum: int
    fingerprint: str
    source: str
    path: Path
    #: shown before the role-play starts (suicide, overdose, self-harm...)
    content_note: str | None = None
    #: endings in which the peer is harmed, left alone or lost to services: no passing route reaches them
    unsafe_endings: tuple[str, ...] = ()
    #: the grader's guide (`<slug>.guide.md`), one rendered section per written scene; staff only
    guide: Mapping[str, Markup] = field(default_factory=dict)

    @property
    def first(self) -> Scene:
        return self.scenes[0]

    def scene(self, scene_id: str) -> Scene | None:
        return next((s for s in self.scenes if s.id == scene_id), None)

    @property
    def has_written(self) -> bool:
        return any(s.kind == "written" for s in self.scenes)
