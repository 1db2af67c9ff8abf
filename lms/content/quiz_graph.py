"""The scene graph of a role-play: targets, cycles, reachability, the best route and unsafe endings.

Route questions (the most points a route earns, whether a passing route reaches an unsafe ending)
are longest-path computations over the acyclic scene graph, one visit per choice rather than one
per path.
"""

from .problems import Collector
from .quiz import END, Scene

NO_PATH = None


def successors(scene: Scene) -> list[tuple[str, int]]:
    """(target, line of the choice or heading that leads there) for each way out of a scene."""
    if scene.kind == "choice":
        return [(c.target, c.line) for c in scene.choices]
    if scene.kind == "written":
        return [(scene.next, scene.line)]
    return []


def check_graph(
    path: str,
    scenes: list[Scene],
    problems: Collector,
    pass_mark: float,
    scored: bool = True,
    unsafe_endings: dict[str, int] | None = None,
) -> int | None:
    """Report cycles, unreachable scenes and (when `scored`) an impossible pass or an unsafe ending a
    passing route reaches; return the most points any route earns (None when there is an error).

    Every problem is reported at once: a cycle does not hide an unreachable scene.
    """
    by_id = {s.id: s for s in scenes}
    cyclic = _cycles(path, scenes, by_id, problems)
    reached = _reachable(scenes[0], by_id)
    for scene in scenes:
        if scene.id not in reached:
            problems.error(
                path, scene.line, f"scene '{scene.id}' cannot be reached: no choice in the role-play leads to it"
            )
    for scene_id, line in (unsafe_endings or {}).items():
        if scene_id not in by_id:
            problems.error(path, line, f"unsafe_endings names '{scene_id}', which is not a scene of this role-play")
        elif not by_id[scene_id].is_ending:
            problems.error(
                path, line, f"unsafe_endings names '{scene_id}', which is not an ending (a scene with no choices)"
            )
    if cyclic or not scored:
        return None
    maximum = best_totals(scenes)[scenes[0].id]
    if maximum is NO_PATH:
        problems.error(
            path, scenes[0].line, "every path through this role-play takes a critical choice, so nobody can pass"
        )
        return None
    if pass_mark > 0 and all(s.possible == 0 for s in scenes):
        problems.error(
            path,
            scenes[0].line,
            f"no scene offers any points, so pass_mark {pass_mark:g} means nothing; "
            "add points to the good choices or set pass_mark: 0",
        )
        return None
    for scene_id, line in (unsafe_endings or {}).items():
        route = passing_route_to(scenes, by_id, scene_id, pass_mark)
        if route is not None:
            problems.error(
                path,
                line,
                f"the unsafe ending '{scene_id}' can be reached by a passing route "
                f"({' -> '.join(route)}); mark the unsafe choice that leads there 'critical'",
            )
    return maximum


def passing_route_to(scenes: list[Scene], by_id: dict, target: str, pass_mark: float) -> list[str] | None:
    """A route with no critical choice that reaches `target` and passes (written scenes at full marks), or None.

    A route passes when the sum over its decisions of 100 × earned − pass_mark × possible is at least 0,
    or when nothing on it was possible (the score is floored at 0): two longest-path searches.
    """
    margin, route = _best_route(scenes, by_id, target, lambda scene, points: 100 * points - pass_mark * scene.possible)
    if route is not None and margin >= 0:
        return route
    least, route = _best_route(scenes, by_id, target, lambda scene, points: -scene.possible)
    return route if route is not None and least == 0 else None


def _best_route(scenes: list[Scene], by_id: dict, target: str, weight) -> tuple[float, list[str] | None]:
    """The route from the first scene to `target`, without critical choices, with the largest total weight."""
    best: dict[str, tuple[float, str | None] | None] = {}
    for scene in reversed(topological_order(scenes, by_id)):
        if scene.id == target:
            best[scene.id] = (0.0, None)
            continue
        options = [
            (weight(scene, points) + reached[0], to)
            for to, points, critical in _edges(scene)
            if not critical and (reached := best.get(to)) is not None
        ]
        best[scene.id] = max(options) if options else None
    start = best.get(scenes[0].id)
    if start is None:
        return 0.0, None
    route, here = [scenes[0].id], start[1]
    while here is not None:
        route.append(here)
        step = best[here]
        here = step[1] if step is not None else None
    return start[0], route


def _edges(scene: Scene) -> list[tuple[str, int, bool]]:
    if scene.kind == "written":
        return [(scene.next, scene.rubric_points, False)]
    return [(c.target, c.points, c.critical) for c in scene.choices]


def _cycles(path, scenes, by_id, problems) -> bool:
    """Depth-first search; a back edge closes a cycle, reported at the choice that closes it."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    found = False
    for root in scenes:
        if root.id in state:
            continue
        stack = [(root, iter(successors(root)))]
        trail = [root.id]
        state[root.id] = 1
        while stack:
            scene, edges = stack[-1]
            step = next(edges, None)
            if step is None:
                state[scene.id] = 2
                stack.pop()
                trail.pop()
                continue
            target, line = step
            if target == END or target not in by_id:
                continue
            if state.get(target) == 1:
                loop = trail[trail.index(target) :] + [target]
                problems.error(
                    path, line, "this choice makes a cycle, so a path could visit a scene twice: " + " -> ".join(loop)
                )
                found = True
            elif target not in state:
                state[target] = 1
                trail.append(target)
                stack.append((by_id[target], iter(successors(by_id[target]))))
    return found


def _reachable(first: Scene, by_id: dict) -> set[str]:
    seen, todo = {first.id}, [first]
    while todo:
        for target, _ in successors(todo.pop()):
            if target in by_id and target not in seen:
                seen.add(target)
                todo.append(by_id[target])
    return seen


def best_totals(scenes: list[Scene]) -> dict[str, int | None]:
    """For each scene, the largest sum from it to an end without a critical choice (None: no such path).

    Scenes are processed in reverse topological order, so each is computed once.
    """
    by_id = {s.id: s for s in scenes}
    best: dict[str, int | None] = {}
    for scene in reversed(topological_order(scenes, by_id)):
        best[scene.id] = _best_from(scene, best)
    return best


def _best_from(scene: Scene, best: dict) -> int | None:
    if scene.kind == "ending":
        return 0
    if scene.kind == "written":
        after = 0 if scene.next == END else best.get(scene.next)
        return None if after is None else scene.rubric_points + after
    options = []
    for choice in scene.choices:
        if choice.critical:
            continue
        after = 0 if choice.target == END else best.get(choice.target)
        if after is not None:
            options.append(choice.points + after)
    return max(options) if options else None


def topological_order(scenes: list[Scene], by_id: dict) -> list[Scene]:
    """Scenes ordered so that every edge goes forward (the graph is known to be acyclic)."""
    order: list[Scene] = []
    done: set[str] = set()
    for root in scenes:
        if root.id in done:
            continue
        stack = [(root, iter(successors(root)))]
        done.add(root.id)
        while stack:
            scene, edges = stack[-1]
            step = next(edges, None)
            if step is None:
                order.append(scene)
                stack.pop()
                continue
            target = step[0]
            if target in by_id and target not in done:
                done.add(target)
                stack.append((by_id[target], iter(successors(by_id[target]))))
    order.reverse()
    return order
