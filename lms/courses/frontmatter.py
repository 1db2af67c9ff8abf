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
        problems.error(path, 1, "missing front matter: the file must start with a line '---', then 'title: ...', then '---'")
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            break
    else:
        problems.error(path, 1, "front matter is not closed: add a line '---' after the last key")
        return None
    yaml_text = "".join(lines[1:index])
    fm = FrontMatter(body_line=index + 2, body="".join(lines[index + 1:]))
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
    """The line and message for a YAML error, pointing at the opening bracket when one is never closed."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark else 0
    at_end = mark is not None and line >= len(text.splitlines())
    if at_end and exc.context_mark is not None:
        line = exc.context_mark.line
    message = f"YAML does not parse: {exc.problem or exc.context}"
    if exc.context and exc.context_mark is not None:
        message += f" ({exc.context} that starts on line {first_line + exc.context_mark.line})"
    return first_line + line, message


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
