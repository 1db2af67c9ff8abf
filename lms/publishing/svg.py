"""The role-play map drawn as SVG text on the server: no script, every piece of author text escaped."""

from markupsafe import Markup, escape

from ..content.quiz import END
from .rolemap import RoleplayMap, SceneEntry

WIDTH, HEIGHT, GAP_X, GAP_Y, MARGIN = 190, 54, 30, 64, 16
#: room at each side for arrows that skip rows, which bow out around the boxes in between
SIDE = 110
ID_CHARS, TITLE_CHARS = 21, 25


def map_svg(rolemap: RoleplayMap) -> Markup:
    """An SVG graph of the scenes (boxes, one row per layer) and the arrows between them (labelled with points)."""
    rows: dict[int, list[str]] = {}
    for entry in rolemap.entries:
        rows.setdefault(entry.layer, []).append(entry.scene.id)
    if rolemap.ends_by_arrow:
        rows.setdefault(max(rows) + 1, []).append(END)
    widest = max(len(r) for r in rows.values())
    width = (MARGIN + SIDE) * 2 + widest * WIDTH + (widest - 1) * GAP_X
    height = MARGIN * 2 + len(rows) * HEIGHT + (len(rows) - 1) * GAP_Y
    place: dict[str, tuple[float, float]] = {}
    for layer, ids in rows.items():
        span = len(ids) * WIDTH + (len(ids) - 1) * GAP_X
        left = (width - span) / 2
        for n, scene_id in enumerate(ids):
            place[scene_id] = (left + n * (WIDTH + GAP_X), MARGIN + layer * (HEIGHT + GAP_Y))
    label = _summary(rolemap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rolemap-graph" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" role="img" aria-label="{escape(label)}" '
        'font-family="system-ui, sans-serif" font-size="13">',
        f"<title>{escape(label)}</title>",
        '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1d2330"/></marker>'
        '<marker id="arrowhead-critical" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#a12a2a"/></marker></defs>',
    ]
    layer_of = {e.scene.id: e.layer for e in rolemap.entries} | {END: len(rows) - 1}
    for entry in rolemap.entries:
        parts.extend(_edges(entry, place, layer_of, width))
    for entry in rolemap.entries:
        parts.append(_box(entry, place[entry.scene.id]))
    if rolemap.ends_by_arrow:
        x, y = place[END]
        parts.append(
            f'<g class="node node-end"><rect x="{x:g}" y="{y:g}" width="{WIDTH}" height="{HEIGHT}" rx="27" '
            f'fill="#eef3f7" stroke="#1d2330" stroke-width="2"/>'
            f'<text x="{x + WIDTH / 2:g}" y="{y + 32:g}" text-anchor="middle" font-weight="700">End</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 - every author text in it went through escape()


def _summary(rolemap: RoleplayMap) -> str:
    endings = sum(1 for e in rolemap.entries if e.scene.is_ending)
    return (
        f"Map of the role-play “{rolemap.quiz.title}”: {len(rolemap.entries)} scenes, {endings} ending scenes, "
        f"{rolemap.critical_count} critical choices. The list of scenes on this page gives the same map as text."
    )


def _edges(entry: SceneEntry, place: dict, layer_of: dict, width: float) -> list[str]:
    """One arrow per target (choices that lead to the same scene share it), labelled with their points;
    an arrow that skips rows bows out to the nearer side, so it does not run through the boxes between."""
    groups: dict[tuple[str, bool], list[int]] = {}
    for arrow in entry.arrows:
        groups.setdefault((arrow.target, arrow.critical), []).append(arrow.points)
    x, y = place[entry.scene.id]
    out = []
    count = len(groups)
    for n, ((target, critical), points) in enumerate(groups.items()):
        tx, ty = place[target]
        sx = x + WIDTH * (n + 1) / (count + 1)
        ex, ey = tx + WIDTH / 2, ty
        colour = "#a12a2a" if critical else "#1d2330"
        dash = ' stroke-dasharray="6 4"' if critical else ""
        marker = "arrowhead-critical" if critical else "arrowhead"
        text = "critical" if critical else ", ".join(_signed(p) for p in points)
        sy = y + HEIGHT
        span = layer_of[target] - layer_of[entry.scene.id]
        if span > 1:
            side = -1 if (sx + ex) / 2 < width / 2 else 1
            edge_x = (MARGIN + 40 + 12 * n) if side < 0 else (width - MARGIN - 40 - 12 * n)
            bow = edge_x - (sx + ex) / 2
            shape = (
                f'<path d="M{sx:g},{sy:g} C{sx + bow * 1.3:g},{sy + GAP_Y:g} {ex + bow * 1.3:g},{ey - GAP_Y:g} '
                f'{ex:g},{ey:g}" fill="none"'
            )
            lx, ly = (sx + ex) / 2 + bow * 0.95, (sy + ey) / 2
        else:
            shape = f'<line x1="{sx:g}" y1="{sy:g}" x2="{ex:g}" y2="{ey:g}"'
            lx, ly = sx + (ex - sx) * 0.35, sy + (ey - sy) * 0.35
        # A white box under the label keeps it readable where it crosses a line.
        out.append(
            f'<g class="edge">{shape} stroke="{colour}" stroke-width="2"{dash} marker-end="url(#{marker})"/>'
            f'<rect x="{lx + 1:g}" y="{ly - 12:g}" width="{len(text) * 7 + 6}" height="16" fill="#ffffff"/>'
            f'<text x="{lx + 4:g}" y="{ly:g}" font-size="12" fill="{colour}">{escape(text)}</text></g>'
        )
    return out


def _box(entry: SceneEntry, at: tuple[float, float]) -> str:
    x, y = at
    scene = entry.scene
    fill = "#fff8e6" if scene.is_ending else "#ffffff"
    stroke = "#a12a2a" if entry.unsafe else "#1f5f8b"
    kind = {"written": "Written: ", "ending": "Ending: "}.get(scene.kind, "")
    title = _clip(kind + (scene.title or ""), TITLE_CHARS)
    return (
        f'<g class="node"><rect x="{x:g}" y="{y:g}" width="{WIDTH}" height="{HEIGHT}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{3 if scene.is_ending else 2}"/>'
        f'<text x="{x + 10:g}" y="{y + 22:g}" font-weight="700" fill="#1d2330">{escape(_clip(scene.id, ID_CHARS))}</text>'
        f'<text x="{x + 10:g}" y="{y + 42:g}" fill="#1d2330">{escape(title)}</text></g>'
    )


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _signed(points: int) -> str:
    return f"+{points}" if points > 0 else str(points)
