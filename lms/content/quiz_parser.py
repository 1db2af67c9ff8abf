"""Parse a `*.quiz.md` role-play into a Quiz, reporting every problem at its true line.

Follows the numbered rules of the content format (docs/authoring.md). Pure: no Flask, no database.
"""

import hashlib
import re
from pathlib import Path

from markupsafe import Markup

from .frontmatter import split
from .markdown import block_tokens, render, render_inline
from .problems import Collector
from .quiz import END, Anchor, Choice, Criterion, Quiz, Scene, Score
from .quiz_graph import check_graph

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUIZ_KEYS = {
    "title",
    "pass_mark",
    "max_attempts",
    "retry_after_minutes",
    "feedback",
    "shuffle",
    "required",
    "content_note",
    "unsafe_endings",
}
HEADING = re.compile(r"^##\s+(?P<id>[^\s:(]+)\s*(?::\s*(?P<title>.*?))?\s*(?P<written>\((?i:written)\))?\s*#*\s*$")
ARROW = re.compile(r"^(?P<text>.*?)\s*->\s*(?P<target>\S+)\s*$")
SCORE = re.compile(r"^(?P<points>[+-]\d+)(?:\s+(?P<competency>\S+))?$")
ANCHOR = re.compile(r"^(?P<score>\d+)\s*:\s*(?P<text>.+)$", re.S)
CRITERION = re.compile(r"^(?P<text>.+?)\s*\(\s*(?P<points>\d+)\s+points?\s*(?:,\s*(?P<competency>[^)\s]+)\s*)?\)\s*$")


def parse_quiz(path: str, text: str, competencies: dict | None, problems: Collector) -> Quiz | None:
    """Parse one role-play file; None (with problems reported) if it has any error."""
    before = len(problems.errors)
    fm = split(text, path, problems)
    if fm is None:
        return None
    settings = _settings(fm, path, problems)
    body_lines = fm.body.splitlines()
    parser = _SceneParser(path, fm.body_line, body_lines, competencies, problems)
    intro, scenes = parser.parse(block_tokens(fm.body))
    if not scenes:
        problems.error(
            path, fm.body_line, "a role-play needs at least one scene: start each scene with a '## scene-id' heading"
        )
        return None
    # The graph is checked even after other errors, so that every problem is reported at once.
    maximum = check_graph(
        path,
        scenes,
        problems,
        settings["pass_mark"],
        scored=len(problems.errors) == before,
        unsafe_endings=settings.pop("unsafe_lines"),
    )
    if len(problems.errors) > before or maximum is None:
        return None
    name = Path(path).name
    return Quiz(
        slug=name[: -len(".quiz.md")],
        source=text,
        fingerprint=hashlib.sha256(text.encode()).hexdigest(),
        path=Path(path),
        intro=intro,
        scenes=tuple(scenes),
        maximum=maximum,
        unsafe_endings=tuple(settings.pop("unsafe")),
        **settings,
    )


def parse_guide(path: str, text: str, quiz: Quiz, problems: Collector) -> dict[str, Markup]:
    """A grader's guide: one `## scene-id` section per written scene of its role-play, rendered for staff."""
    body, first_line = text, 1
    if text.startswith("---"):
        fm = split(text, path, problems)
        if fm is None:
            return {}
        for key in fm.data:
            if key != "title":
                problems.error(
                    path, fm.line(str(key)), f"unknown front-matter key '{key}' in a grader's guide (allowed: title)"
                )
        body, first_line = fm.body, fm.body_line
    lines = body.splitlines()
    tokens = block_tokens(body)
    headings = [t for t in tokens if t.type == "heading_open" and t.tag == "h2" and t.level == 0]
    written = {s.id for s in quiz.scenes if s.kind == "written"}
    sections: dict[str, Markup] = {}
    for n, heading in enumerate(headings):
        start = heading.map[0]
        stop = headings[n + 1].map[0] if n + 1 < len(headings) else len(lines)
        match = HEADING.match(lines[start].strip())
        scene_id = match["id"] if match else lines[start].strip("# ").strip()
        if scene_id not in written:
            names = ", ".join(sorted(written)) or "none"
            problems.error(
                path,
                first_line + start,
                f"guide section '{scene_id}' names no written scene of "
                f"{quiz.slug}.quiz.md (its written scenes: {names})",
            )
            continue
        sections[scene_id] = render("\n".join(lines[start + 1 : stop])).html
    return sections


def _settings(fm, path: str, problems: Collector) -> dict:
    data = fm.data
    for key in data:
        if key not in QUIZ_KEYS:
            problems.error(
                path, fm.line(str(key)), f"unknown front-matter key '{key}' (allowed: {', '.join(sorted(QUIZ_KEYS))})"
            )

    def number(key, default, low, high=None, integer=True):
        value = data.get(key, default)
        kinds = (int,) if integer else (int, float)
        if (
            not isinstance(value, kinds)
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            kind = "a whole number" if integer else "a number"
            problems.error(path, fm.line(key), f"'{key}' must be {kind} {span}, not '{value}'")
            return default
        return value

    def flag(key, default):
        value = data.get(key, default)
        if not isinstance(value, bool):
            problems.error(path, fm.line(key), f"'{key}' must be true or false, not '{value}'")
            return default
        return value

    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.error(
            path, fm.line("title") if "title" in data else 1, "'title' is required in the front matter and must be text"
        )
        title = Path(path).name
    feedback = data.get("feedback", "immediate")
    if feedback not in ("immediate", "end"):
        problems.error(path, fm.line("feedback"), f"'feedback' must be 'immediate' or 'end', not '{feedback}'")
        feedback = "immediate"
    content_note = data.get("content_note")
    if content_note is not None and (not isinstance(content_note, str) or not content_note.strip()):
        problems.error(path, fm.line("content_note"), "'content_note' must be text")
        content_note = None
    unsafe = data.get("unsafe_endings", [])
    unsafe_lines: dict[str, int] = {}
    if isinstance(unsafe, str):
        unsafe = [unsafe]
    if not isinstance(unsafe, list) or not all(isinstance(u, str) for u in unsafe):
        problems.error(
            path, fm.line("unsafe_endings"), "'unsafe_endings' must be a list of ending scene ids, e.g. [left-alone]"
        )
        unsafe = []
    for i, scene_id in enumerate(unsafe):
        unsafe_lines[scene_id] = fm.lines.get(f"unsafe_endings[{i}]", fm.line("unsafe_endings"))
    return {
        "content_note": content_note.strip() if content_note else None,
        "unsafe": list(unsafe_lines),
        "unsafe_lines": unsafe_lines,
        "title": title.strip(),
        "pass_mark": number("pass_mark", 80, 0, 100, integer=False),
        "max_attempts": number("max_attempts", 0, 0),
        "retry_after_minutes": number("retry_after_minutes", 0, 0),
        "feedback": feedback,
        "shuffle": flag("shuffle", False),
        "required": flag("required", True),
    }


class _SceneParser:
    """Walks the top-level blocks of the body: intro, then one scene per `##` heading."""

    def __init__(self, path, first_line, lines, competencies, problems):
        self.path, self.first_line, self.lines = path, first_line, lines
        self.competencies, self.problems = competencies, problems

    def line(self, body_index: int) -> int:
        return self.first_line + body_index

    def source(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start:end])

    def parse(self, tokens):
        headings = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2" and t.level == 0]
        intro_end = tokens[headings[0]].map[0] if headings else len(self.lines)
        intro = render(self.source(0, intro_end)).html
        raw = []
        seen: dict[str, int] = {}
        for n, start in enumerate(headings):
            stop = headings[n + 1] if n + 1 < len(headings) else len(tokens)
            scene = self._scene(tokens, start, stop)
            if scene is None:
                continue
            if scene["id"] in seen:
                self.problems.error(
                    self.path,
                    scene["line"],
                    f"duplicate scene id '{scene['id']}' (first used at line {seen[scene['id']]})",
                )
                continue
            seen[scene["id"]] = scene["line"]
            raw.append(scene)
        return intro, self._resolve(raw, seen)

    def _scene(self, tokens, start, stop):
        heading_line = tokens[start].map[0]
        line = self.line(heading_line)
        match = HEADING.match(self.lines[heading_line].strip())
        if not match or not SLUG.match(match["id"]):
            self.problems.error(
                self.path,
                line,
                "a scene heading must be '## scene-id' or '## scene-id: Title' "
                "(ids use lowercase letters, digits and hyphens)",
            )
            return None
        if match["id"] == END:
            self.problems.error(self.path, line, "'end' is reserved for '-> end'; give this scene another id")
            return None
        blocks = [t for t in tokens[start + 3 : stop] if t.level == 0 and (t.nesting >= 0)]
        list_at = next((i for i, t in enumerate(blocks) if t.type == "bullet_list_open"), None)
        body_start = tokens[start].map[1]
        prompt_end = blocks[list_at].map[0] if list_at is not None else self._end_line(tokens, stop)
        if list_at is None and not match["written"] and any(t.type == "ordered_list_open" for t in blocks):
            self.problems.warn(
                self.path,
                line,
                "this scene has a numbered list but no bullet list, so it is an ending; "
                "write choices as bullets ('- ') if they are meant to be choices",
            )
        scene = {
            "id": match["id"],
            "title": (match["title"] or "").strip() or None,
            "line": line,
            "written": bool(match["written"]),
            "prompt": render(self.source(body_start, prompt_end)).html,
            "items": [],
        }
        if list_at is not None:
            for extra in blocks[list_at + 1 :]:
                if extra.type == "bullet_list_open":
                    self.problems.error(
                        self.path,
                        self.line(extra.map[0]),
                        "a scene can have only one list of choices; this is a second list "
                        "(if the line above it is feedback, indent the '>' two spaces under its choice)",
                    )
                elif extra.type == "blockquote_open":
                    self.problems.error(
                        self.path,
                        self.line(extra.map[0]),
                        "this feedback is not attached to a choice: "
                        "indent the '>' two spaces so it sits under the choice it belongs to",
                    )
                elif extra.map:
                    self.problems.error(
                        self.path,
                        self.line(extra.map[0]),
                        "nothing may follow the list of choices in a scene; move this text above the list",
                    )
            scene["items"] = self._items(tokens, tokens.index(blocks[list_at]), stop)
        return scene

    def _end_line(self, tokens, stop) -> int:
        return tokens[stop].map[0] if stop < len(tokens) and tokens[stop].map else len(self.lines)

    def _items(self, tokens, list_open, stop):
        """Each top-level list item as {line, lines: [(body index, text)], feedback}."""
        base = tokens[list_open].level
        items = []
        i = list_open + 1
        while i < stop:
            token = tokens[i]
            if token.type == "bullet_list_close" and token.level == base:
                break
            if token.type == "list_item_open" and token.level == base + 1:
                close = next(
                    j for j in range(i + 1, stop) if tokens[j].type == "list_item_close" and tokens[j].level == base + 1
                )
                items.append(self._item(tokens, i, close))
                i = close
            i += 1
        return items

    def _item(self, tokens, open_at, close_at):
        start = tokens[open_at].map[0]
        depth = tokens[open_at].level + 1
        item = {"line": self.line(start), "lines": [], "feedback": None, "sublist": None}
        blocks = [i for i in range(open_at + 1, close_at) if tokens[i].level == depth and tokens[i].nesting >= 0]
        for n, i in enumerate(blocks):
            block = tokens[i]
            if block.type == "paragraph_open" and n == 0:
                for k, text in enumerate(tokens[i + 1].content.split("\n")):
                    item["lines"].append((block.map[0] + k, text.strip()))
            elif block.type == "blockquote_open" and item["feedback"] is None:
                quote = [re.sub(r"^\s*>\s?", "", ln) for ln in self.lines[block.map[0] : block.map[1]]]
                for k, text in enumerate(quote):
                    if text.strip() == "critical" or SCORE.match(text.strip()):
                        self.problems.warn(
                            self.path,
                            self.line(block.map[0] + k),
                            f"'{text.strip()}' is inside the feedback, so it "
                            "does not count: put score lines and 'critical' before the '>' feedback",
                        )
                item["feedback"] = render("\n".join(quote)).html
            elif block.type == "bullet_list_open" and n > 0 and item["sublist"] is None and item["feedback"] is None:
                item["sublist"] = self._sublist(tokens, i, close_at, depth)
            else:
                self.problems.error(
                    self.path, self.line(block.map[0] if block.map else start), _stray_block_message(block)
                )
        if not item["lines"]:
            self.problems.error(self.path, item["line"], "a choice needs its text on the bullet's first line")
        return item

    def _sublist(self, tokens, list_open, close_at, depth):
        """A list nested in a list item, as [(body index, text)]: a rubric criterion's anchors."""
        entries = []
        for j in range(list_open + 1, close_at):
            token = tokens[j]
            if token.type == "bullet_list_close" and token.level == depth:
                break
            if token.type == "list_item_open" and token.level == depth + 1:
                inline = next((tokens[k] for k in range(j + 1, close_at) if tokens[k].type == "inline"), None)
                text = " ".join(part.strip() for part in inline.content.split("\n")) if inline else ""
                entries.append((token.map[0], text))
        return entries

    def _resolve(self, raw, ids):
        scenes = []
        for n, scene in enumerate(raw):
            following = raw[n + 1]["id"] if n + 1 < len(raw) else END
            if scene["written"]:
                kind = "written"
                rubric = tuple(c for c in (self._criterion(i, item) for i, item in enumerate(scene["items"])) if c)
                choices = ()
                if not scene["items"]:
                    self.problems.error(
                        self.path,
                        scene["line"],
                        "a written scene needs a rubric: one bullet per criterion, e.g. '- Reflects the feeling (2 points, validation)'",
                    )
            else:
                kind = "choice" if scene["items"] else "ending"
                choices = tuple(
                    c for c in (self._choice(i, item, following, ids) for i, item in enumerate(scene["items"])) if c
                )
                rubric = ()
            scenes.append(
                Scene(
                    id=scene["id"],
                    title=scene["title"],
                    kind=kind,
                    prompt=scene["prompt"],
                    choices=choices,
                    rubric=rubric,
                    next=following,
                    line=scene["line"],
                )
            )
        return scenes

    def _choice(self, index, item, following, ids):
        if not item["lines"]:
            return None
        first_index, first = item["lines"][0]
        target = following
        arrow = ARROW.match(first)
        if arrow:
            first, target = arrow["text"], arrow["target"]
            if target != END and target not in ids:
                self.problems.error(self.path, self.line(first_index), f"arrow to unknown scene '{target}'")
        if not first.strip():
            self.problems.error(self.path, self.line(first_index), "a choice needs text before its arrow")
        if item["sublist"]:
            self.problems.error(
                self.path,
                self.line(item["sublist"][0][0]),
                "this line starts a list inside the choice: write score lines with no space after the sign "
                "(+2 validation, not + 2 validation)",
            )
        scores, critical = [], False
        for body_index, text in item["lines"][1:]:
            score = SCORE.match(text)
            if text == "critical":
                critical = True
            elif score:
                competency = score["competency"]
                self._check_competency(competency, body_index)
                scores.append(Score(int(score["points"]), competency))
            else:
                self.problems.error(
                    self.path,
                    self.line(body_index),
                    f"'{text}' is not a score line (+2 competency or -1 competency), 'critical', or feedback ('> ...')",
                )
        return Choice(
            index=index,
            text=render_inline(first.strip()),
            target=target,
            scores=tuple(scores),
            critical=critical,
            feedback=item["feedback"],
            line=self.line(first_index),
        )

    def _criterion(self, index, item):
        if not item["lines"]:
            return None
        body_index, text = item["lines"][0]
        match = CRITERION.match(" ".join(t for _, t in item["lines"]))
        if not match:
            self.problems.error(
                self.path,
                self.line(body_index),
                "a rubric criterion must end with its points, e.g. '- Names the feeling (2 points, validation)'",
            )
            return None
        points = int(match["points"])
        if points < 1:
            self.problems.error(self.path, self.line(body_index), "a rubric criterion must be worth 1 point or more")
        self._check_competency(match["competency"], body_index)
        if item["feedback"] is not None:
            self.problems.error(
                self.path,
                self.line(body_index),
                "rubric criteria take no feedback blockquote; the trainer writes a comment when grading",
            )
        return Criterion(
            index=index,
            text=render_inline(match["text"]),
            points=points,
            competency=match["competency"],
            line=self.line(body_index),
            anchors=self._anchors(item["sublist"] or [], points),
        )

    def _anchors(self, entries, points):
        """`- K: description` lines under a criterion: one per score K from 0 to its points, none repeated."""
        anchors = {}
        for body_index, text in entries:
            match = ANCHOR.match(text)
            if not match:
                self.problems.error(
                    self.path,
                    self.line(body_index),
                    f"a score anchor is written '- K: what an answer worth K points looks like' (K from 0 to {points}), not '{text}'",
                )
                continue
            score = int(match["score"])
            if score > points:
                self.problems.error(
                    self.path,
                    self.line(body_index),
                    f"anchor score {score} is outside 0..{points}, the points of this criterion",
                )
            elif score in anchors:
                self.problems.error(
                    self.path, self.line(body_index), f"anchor score {score} is given twice for this criterion"
                )
            else:
                anchors[score] = Anchor(score, render_inline(match["text"].strip()))
        return tuple(anchors[k] for k in sorted(anchors, reverse=True))

    def _check_competency(self, competency, body_index):
        if competency is None:
            return
        if not SLUG.match(competency):
            self.problems.error(
                self.path,
                self.line(body_index),
                f"'{competency}' is not a valid competency id: ids use lowercase letters, digits and hyphens",
            )
        elif self.competencies is not None and competency not in self.competencies:
            self.problems.error(
                self.path,
                self.line(body_index),
                f"unknown competency '{competency}': add it to competencies.yaml or fix the spelling",
            )


def _stray_block_message(block) -> str:
    if block.type == "bullet_list_open":
        return (
            "this line starts a list inside the choice: write score lines with no space after the sign "
            "(+2 validation, not + 2 validation)"
        )
    if block.type == "blockquote_open":
        return (
            "a choice can have only one piece of feedback: put all of it in one block of lines that start with '>', "
            "with no blank line between them"
        )
    if block.type == "paragraph_open":
        return (
            "this text is part of a choice but comes after a blank line or after the feedback: keep a choice's text, "
            "score lines and 'critical' together, then the '> feedback' last"
        )
    return (
        "this is not part of the choice format: a choice is one line of text, then score lines (+2 competency), "
        "'critical', and one '> feedback' blockquote"
    )
