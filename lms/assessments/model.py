"""A role-play as frozen data: scenes, choices, rubrics. No Flask, no database."""
from dataclasses import dataclass
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
class Criterion:
    index: int
    text: Markup
    points: int
    competency: str | None
    line: int


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
    #: best total over complete paths that take no critical choice (rule 7)
    maximum: int
    fingerprint: str
    source: str
    path: Path

    @property
    def first(self) -> Scene:
        return self.scenes[0]

    def scene(self, scene_id: str) -> Scene | None:
        return next((s for s in self.scenes if s.id == scene_id), None)

    @property
    def has_written(self) -> bool:
        return any(s.kind == "written" for s in self.scenes)
