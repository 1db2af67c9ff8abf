"""The scene graph of a role-play: targets, cycles, reachability and the maximum score.

The maximum (rule 7) is a longest-path computation over the acyclic scene graph, memoised per
scene, so a 200-scene role-play costs one visit per choice rather than one per path.
"""
from ..courses.problems import Collector
from .model import END, Scene

NO_PATH = None


def successors(scene: Scene) -> list[tuple[str, int]]:
    """(target, line of the choice or heading that leads there) for each way out of a scene."""
    if scene.kind == "choice":
        return [(c.target, c.line) for c in scene.choices]
    if scene.kind == "written":
        return [(scene.next, scene.line)]
    return []


def check_graph(path: str, scenes: list[Scene], problems: Collector, pass_mark: float, scored: bool = True) -> int | None:
    """Report cycles, unreachable scenes and (when `scored`) an impossible pass; return the maximum score."""
    by_id = {s.id: s for s in scenes}
    if _cycles(path, scenes, by_id, problems):
        return None
    reached = _reachable(scenes[0], by_id)
    for scene in scenes:
        if scene.id not in reached:
            problems.error(path, scene.line, f"scene '{scene.id}' cannot be reached: no choice in the role-play leads to it")
    if not scored:
        return None
    maximum = best_totals(scenes)[scenes[0].id]
    if maximum is NO_PATH:
        problems.error(path, scenes[0].line, "every path through this role-play takes a critical choice, so nobody can pass")
        return None
    if maximum <= 0 and pass_mark > 0:
        problems.error(path, scenes[0].line, f"the best path scores {maximum} points, so nobody can reach pass_mark {pass_mark:g}; "
                       "add points to the good choices or set pass_mark: 0")
        return None
    return maximum


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
                loop = trail[trail.index(target):] + [target]
                problems.error(path, line, "this choice makes a cycle, so a path could visit a scene twice: " + " -> ".join(loop))
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
