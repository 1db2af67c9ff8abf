"""YAML front matter with the line number of every key, so errors point at the right line."""

from dataclasses import dataclass, field

import yaml

from .problems import Collector


@dataclass
class FrontMatter:
    data: dict = field(default_factory=dict)
    #: key -> line in the file where the key is written
    lines: dict = field(default_factory=dict)
    #: line in the file where the body (after the closing ---) starts
    body_line: int = 1
    body: str = ""

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


def split(text: str, path: str, problems: Collector) -> FrontMatter | None:
    """Split `---` front matter from the body and parse it; None if it cannot be read."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.error(
            path, 1, "missing front matter: the file must start with a line '---', then 'title: ...', then '---'"
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            break
    else:
        problems.error(path, 1, "front matter is not closed: add a line '---' after the last key")
        return None
    yaml_text = "".join(lines[1:index])
    fm = FrontMatter(body_line=index + 2, body="".join(lines[index + 1 :]))
    parsed = parse_yaml(yaml_text, path, problems, first_line=2)
    if parsed is None:
        return None
    data, key_lines = parsed
    if data is None:
        data, key_lines = {}, {}
    if not isinstance(data, dict):
        problems.error(path, 2, "front matter must be a list of 'key: value' lines")
        return None
    fm.data, fm.lines = data, key_lines
    return fm


def parse_yaml(text: str, path: str, problems: Collector, first_line: int = 1):
    """Parse YAML safely; return (data, {top-level key: file line}) or None after reporting the error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        problems.error(path, *_yaml_error(exc, text, first_line))
        return None
    except yaml.YAMLError as exc:
        problems.error(path, first_line, f"YAML does not parse: {exc}")
        return None
    return data, node_lines(node, first_line)


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> tuple[int, str]:
    """The line and a plain-words message for a YAML error (trainers are not programmers)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark else 0
    if mark is not None and line >= len(text.splitlines()) and exc.context_mark is not None:
        line = exc.context_mark.line  # the problem is at the end: point at what was left open
    problem = exc.problem or exc.context or ""
    context = exc.context or ""
    start = first_line + exc.context_mark.line if exc.context_mark is not None else first_line + line
    if "flow sequence" in context:
        hint = f"a list that starts with '[' on line {start} is not closed with ']' (or an item in it needs quotes)"
    elif "flow mapping" in context:
        hint = f"a '{{' on line {start} is not closed with '}}'"
    elif "mapping values are not allowed" in problem:
        hint = (
            'a value contains a colon (put the value in quotes, e.g. title: "Role-play: Sam\'s first visit") '
            "or this line is indented further than the lines above"
        )
    elif "'\\t'" in problem or "\t" in problem:
        hint = "a tab character is used for indenting: use spaces instead"
    elif "found unexpected end of stream" in problem or "found unexpected" in problem and "quot" in context:
        hint = "a quote is opened but never closed"
    elif "block mapping" in problem or "block end" in problem or "indentation" in problem:
        hint = (
            "this line is not lined up with the lines above: keys start at the beginning of the line, "
            "and only the keys inside a block (like certificate:) are indented, with spaces"
        )
    else:
        hint = problem
    return first_line + line, f"YAML does not parse: {hint}"


def node_lines(node, first_line: int) -> dict:
    """Map each top-level key to its line, plus `key.child` and `key[i]` one level down."""
    lines: dict = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        key = str(key_node.value)
        lines[key] = first_line + key_node.start_mark.line
        if isinstance(value_node, yaml.MappingNode):
            for child, _ in value_node.value:
                lines[f"{key}.{child.value}"] = first_line + child.start_mark.line
        elif isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines[f"{key}[{i}]"] = first_line + item.start_mark.line
    return lines
