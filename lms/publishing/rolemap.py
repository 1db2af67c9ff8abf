"""The role-play map: each scene with its arrows, the endings, and the best and worst routes. Pure.

Built from the parsed role-play with the same graph and scoring functions that `content check` and
attempts use, so the map can never disagree with how a trainee is scored.
"""

from dataclasses import dataclass
from fractions import Fraction

from markupsafe import Markup

from ..assessments.scoring import Result, Step, score_path
from ..content.quiz import END, Quiz, Scene
from ..content.quiz_graph import passing_route_to, topological_order


@dataclass(frozen=True)
class Arrow:
    """One way out of a scene: a choice (None: a written scene going on), its points, where it leads."""

    choice: int | None
    text: Markup
    target: str
    points: int
    #: (competency, points) for each competency the choice scores
    competencies: tuple[tuple[str, int], ...]
    critical: bool
    feedback: Markup | None


@dataclass(frozen=True)
class SceneEntry:
    scene: Scene
    arrows: tuple[Arrow, ...]
    #: rows of the graph: the longest number of steps from the first scene
    layer: int
    #: endings only: whether some passing route ends here
    passing: bool | None
    unsafe: bool


@dataclass(frozen=True)
class Route:
    """A complete route without critical choices, scored as an attempt on it would be."""

    scenes: tuple[str, ...]
    result: Result


@dataclass(frozen=True)
class RoleplayMap:
    quiz: Quiz
    entries: tuple[SceneEntry, ...]
    #: the route with the highest percent (written answers at full marks)
    best: Route | None
    #: the route with the lowest percent (written answers at no marks)
    worst: Route | None
    #: a route that passes (written answers at full marks), None if none does
    passing_route: tuple[str, ...] | None
    #: whether an arrow leads to the end of the role-play without an ending scene
    ends_by_arrow: bool

    @property
    def passable(self) -> bool:
        return self.passing_route is not None

    @property
    def critical_count(self) -> int:
        return sum(1 for e in self.entries for a in e.arrows if a.critical)

    def entry(self, scene_id: str) -> SceneEntry | None:
        return next((e for e in self.entries if e.scene.id == scene_id), None)


def build_map(quiz: Quiz) -> RoleplayMap:
    """The map of one parsed (so valid and acyclic) role-play."""
    scenes = list(quiz.scenes)
    by_id = {s.id: s for s in scenes}
    layers = _layers(scenes, by_id)
    passing = _passing_routes(quiz)
    entries = tuple(
        SceneEntry(
            scene=s,
            arrows=_arrows(s),
            layer=layers[s.id],
            passing=(passing.get(s.id) is not None) if s.is_ending else None,
            unsafe=s.id in quiz.unsafe_endings,
        )
        for s in scenes
    )
    found = next((route for route in passing.values() if route is not None), None)
    return RoleplayMap(
        quiz=quiz,
        entries=entries,
        best=_extreme(quiz, best=True),
        worst=_extreme(quiz, best=False),
        passing_route=tuple(found) if found else None,
        ends_by_arrow=any(a.target == END for e in entries for a in e.arrows),
    )


def _arrows(scene: Scene) -> tuple[Arrow, ...]:
    if scene.kind == "written":
        return (
            Arrow(
                None,
                Markup("Written answer, scored by a trainer"),
                scene.next,
                scene.rubric_points,
                tuple(sorted(_rubric_competencies(scene).items())),
                False,
                None,
            ),
        )
    return tuple(
        Arrow(c.index, c.text, c.target, c.points, tuple(sorted(c.competency_points().items())), c.critical, c.feedback)
        for c in scene.choices
    )


def _rubric_competencies(scene: Scene) -> dict[str, int]:
    result: dict[str, int] = {}
    for criterion in scene.rubric:
        if criterion.competency:
            result[criterion.competency] = result.get(criterion.competency, 0) + criterion.points
    return result


def _targets(scene: Scene) -> list[str]:
    if scene.kind == "choice":
        return [c.target for c in scene.choices]
    return [scene.next] if scene.kind == "written" else []


def _layers(scenes: list[Scene], by_id: dict) -> dict[str, int]:
    """Longest distance from the first scene, so every arrow points down the graph."""
    layer = {s.id: 0 for s in scenes}
    for scene in topological_order(scenes, by_id):
        for target in _targets(scene):
            if target in layer:
                layer[target] = max(layer[target], layer[scene.id] + 1)
    return layer


def _passing_routes(quiz: Quiz) -> dict[str, list[str] | None]:
    """For each ending (and the plain end, as END), a passing route that reaches it, or None.

    `passing_route_to` searches for a route to a scene; the plain end becomes one more ending scene
    named `end`, which no real scene may be called.
    """
    terminal = Scene(id=END, title=None, kind="ending", prompt=Markup(""), choices=(), rubric=(), next=END, line=0)
    scenes = [*quiz.scenes, terminal]
    by_id = {s.id: s for s in scenes}
    return {s.id: passing_route_to(scenes, by_id, s.id, quiz.pass_mark) for s in scenes if s.is_ending}


# -- best and worst routes ---------------------------------------------------------------------
# A route's percent is earned / possible, a ratio, so the best and the worst route are found by
# Dinkelbach's method: for a candidate ratio r, one pass over the acyclic graph finds the route that
# most improves on `earned - r × possible`; repeating with that route's ratio ends at the optimum
# after a few passes (each strictly improves r, and there are finitely many routes).


def _extreme(quiz: Quiz, best: bool) -> Route | None:
    """The complete non-critical route with the highest (best) or lowest percent."""
    sign = -1 if best else 1
    steps = _optimal(quiz, Fraction(1), sign, best, positive=True)
    if steps is None:
        # Every route offers nothing possible, and so scores 100%.
        steps = _optimal(quiz, Fraction(0), sign, best, positive=False)
        return _route(quiz, steps) if steps is not None else None
    while True:
        result = score_path(quiz, steps)
        ratio = Fraction(sum(_earned(quiz, s) for s in steps), result.possible)
        better = _optimal(quiz, ratio, sign, best, positive=True)
        if _value(quiz, better, ratio, sign) >= 0:
            break
        steps = better
    route = _route(quiz, steps)
    if best and route.result.percent < 100:
        nothing = _optimal(quiz, Fraction(0), sign, best, positive=False)
        if nothing is not None:
            return _route(quiz, nothing)  # a route with nothing possible scores 100%
    return route


def _earned(quiz: Quiz, step: Step) -> int:
    scene = quiz.scene(step.scene)
    if scene.kind == "choice":
        return scene.choices[step.choice].points
    return sum(step.awards or ())


def _value(quiz: Quiz, steps: list[Step], ratio: Fraction, sign: int) -> Fraction:
    return sign * sum((_earned(quiz, s) - ratio * quiz.scene(s.scene).possible for s in steps), Fraction(0))


def _optimal(quiz: Quiz, ratio: Fraction, sign: int, full: bool, positive: bool) -> list[Step] | None:
    """The complete non-critical route minimising sign × (earned − ratio × possible), among routes whose
    possible is above 0 (`positive`) or is 0; written scenes earn their whole rubric when `full`."""
    scenes = list(quiz.scenes)
    by_id = {s.id: s for s in scenes}
    # value[(scene, seen)]: the best completion from scene, given whether the route so far had anything possible
    value: dict[tuple[str, bool], tuple[Fraction, int | None] | None] = {}

    def after(target: str, seen: bool):
        if target == END:
            return (Fraction(0), None) if seen == positive else None
        return value[(target, seen)]

    for scene in reversed(topological_order(scenes, by_id)):
        for seen in (False, True):
            if scene.is_ending:
                value[(scene.id, seen)] = (Fraction(0), None) if seen == positive else None
                continue
            now = seen or scene.possible > 0
            options = []
            for index, target, points in _exits(scene, full):
                rest = after(target, now)
                if rest is not None:
                    options.append((sign * (points - ratio * scene.possible) + rest[0], index))
            value[(scene.id, seen)] = min(options, key=lambda o: o[0]) if options else None
    steps, here, seen = [], quiz.first.id, False
    while here != END:
        scene = by_id[here]
        best = value[(here, seen)]
        if best is None:
            return None
        if scene.is_ending:
            steps.append(Step(here))
            break
        index = best[1]
        if scene.kind == "choice":
            steps.append(Step(here, choice=index))
        else:
            steps.append(Step(here, awards=tuple(c.points if full else 0 for c in scene.rubric)))
        here = scene.choices[index].target if scene.kind == "choice" else scene.next
        seen = seen or scene.possible > 0
    return steps


def _exits(scene: Scene, full: bool) -> list[tuple[int | None, str, int]]:
    if scene.kind == "written":
        return [(None, scene.next, scene.rubric_points if full else 0)]
    return [(c.index, c.target, c.points) for c in scene.choices if not c.critical]


def _route(quiz: Quiz, steps: list[Step]) -> Route:
    """Score a route as an attempt: written scenes at full marks on the best route, none on the worst."""
    return Route(scenes=tuple(s.scene for s in steps), result=score_path(quiz, steps))
