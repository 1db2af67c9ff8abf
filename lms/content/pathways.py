"""Certification pathways: `content/pathways/<slug>.yaml`, parsed into frozen objects with `file:line` errors.

A pathway describes what a board asks for a credential: training hours (per domain and/or in total, and
which courses here count), supervised experience and supervision hours, an exam, and the renewal rule.
It is content, so it lives with the content pipeline and is loaded (and checked) with the rest by
`loader.py`: a bad pathway is reported like any other content error and the catalog is not loaded.
The portfolio (lms.portfolio) reads the parsed objects; this module knows nothing about trainees.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import yaml

from .frontmatter import parse_yaml
from .problems import Collector

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: the four IC&RC Peer Recovery domains that course `hours` use; a pathway may also name any domain a course uses
ICRC_DOMAINS = ("advocacy", "mentoring", "recovery-wellness", "ethics")
TOP_KEYS = ("title", "board", "notes", "training", "experience_hours", "supervision_hours", "exam", "renewal")
BOARD_KEYS = ("name", "url")
TRAINING_KEYS = ("hours", "total", "courses")
EXAM_KEYS = ("name", "required")
RENEWAL_KEYS = ("period_months", "ce_hours", "ethics_hours")


@dataclass(frozen=True)
class Board:
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Training:
    #: hours required per domain, e.g. {"ethics": 16.0}; empty when the board gives only a total
    domains: Mapping[str, float]
    #: hours required in all (the domains' sum when no total is written)
    total: float
    #: slugs of the courses here whose certificates count toward it
    courses: tuple[str, ...]


@dataclass(frozen=True)
class Exam:
    name: str
    required: bool = True


@dataclass(frozen=True)
class Renewal:
    period_months: int
    ce_hours: float
    #: of ce_hours, how many must be in ethics
    ethics_hours: float


@dataclass(frozen=True)
class Pathway:
    slug: str
    title: str
    board: Board
    notes: str = ""
    training: Training | None = None
    #: None: the pathway asks for no supervised experience (or the file does not say)
    experience_hours: float | None = None
    supervision_hours: float | None = None
    exam: Exam | None = None
    renewal: Renewal | None = None
    fingerprint: str = ""
    path: str = field(default="", compare=False)


def parse_pathway(
    path: str, slug: str, text: str, domains: set[str], courses: set[str], problems: Collector
) -> Pathway | None:
    """Parse one pathway file; None (after reporting every error to `problems`) if it has any."""
    before = len(problems.errors)
    parsed = parse_yaml(text, path, problems)
    if parsed is None:
        return None
    data, _ = parsed
    if not isinstance(data, dict):
        problems.error(path, 1, "a pathway file must be a list of 'key: value' lines, starting with 'title:'")
        return None
    reader = _Reader(path, _lines(text), problems, domains, courses)
    pathway = reader.pathway(slug, data)
    if len(problems.errors) > before:
        return None
    return pathway


def _lines(text: str) -> dict[str, int]:
    """Every key's line at any depth: `training.hours.ethics`, `training.courses[1]`."""
    lines: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                name = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines[name] = key_node.start_mark.line + 1
                walk(value, name)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[f"{prefix}[{i}]"] = item.start_mark.line + 1
                walk(item, f"{prefix}[{i}]")

    walk(yaml.compose(text, Loader=yaml.SafeLoader), "")
    return lines


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Reader:
    def __init__(self, path: str, lines: dict[str, int], problems: Collector, domains: set[str], courses: set[str]):
        self.path, self.lines, self.problems = path, lines, problems
        self.domains, self.courses = domains, courses

    def error(self, key: str, message: str) -> None:
        self.problems.error(self.path, self.lines.get(key, 1), message)

    def pathway(self, slug: str, data: dict) -> Pathway:
        self.unknown(data, "", TOP_KEYS)
        title = self.text(data, "title", "title", required=True)
        return Pathway(
            slug=slug,
            title=title or slug,
            board=self.board(data.get("board")),
            notes=self.text(data, "notes", "notes") or "",
            training=self.training(data.get("training")) if "training" in data else None,
            experience_hours=self.hours(data, "experience_hours", "experience_hours"),
            supervision_hours=self.hours(data, "supervision_hours", "supervision_hours"),
            exam=self.exam(data.get("exam")) if "exam" in data else None,
            renewal=self.renewal(data.get("renewal")) if "renewal" in data else None,
        )

    def unknown(self, block: dict, prefix: str, allowed: tuple[str, ...]) -> None:
        where = f"in '{prefix}' " if prefix else ""
        for key in block:
            if key not in allowed:
                name = f"{prefix}.{key}" if prefix else str(key)
                self.error(name, f"unknown key '{key}' {where}(allowed: {', '.join(allowed)})")

    def block(self, value: Any, key: str, example: str) -> dict | None:
        if not isinstance(value, dict):
            self.error(key, f"'{key}' must be a block of keys, e.g. {example}")
            return None
        return value

    def text(self, block: dict, key: str, name: str, required: bool = False) -> str | None:
        value = block.get(key)
        if value is None:
            if required:
                parent = name.rpartition(".")[0]
                self.error(parent, f"'{name}' is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(name, f"'{name}' must be text")
            return None
        return value.strip()

    def hours(self, block: dict, key: str, name: str, required: bool = False) -> float | None:
        if key not in block:
            if required:
                self.error(name.rpartition(".")[0], f"'{name}' is required (a number of hours, 0 or more)")
            return None
        value = block[key]
        if not _is_number(value) or value < 0:
            self.error(name, f"'{name}' must be a number of hours, 0 or more (not {value!r})")
            return None
        return float(value)

    def board(self, value: Any) -> Board:
        if value is None:
            self.problems.error(
                self.path,
                1,
                "'board' is required: the body that issues the credential (board: {name: ..., url: https://...})",
            )
            return Board("")
        block = self.block(value, "board", "board: {name: Example Certification Board, url: https://example.org}")
        if block is None:
            return Board("")
        self.unknown(block, "board", BOARD_KEYS)
        url = self.text(block, "url", "board.url")
        if url is not None and not url.startswith(("https://", "http://")):
            self.error("board.url", "'board.url' must be a web address starting with https://")
            url = None
        return Board(self.text(block, "name", "board.name", required=True) or "", url)

    def training(self, value: Any) -> Training | None:
        block = self.block(value, "training", "training: {hours: {ethics: 16}, total: 46, courses: [core]}")
        if block is None:
            return None
        self.unknown(block, "training", TRAINING_KEYS)
        domains = self.domain_hours(block.get("hours")) if "hours" in block else {}
        total = self.hours(block, "total", "training.total")
        if "hours" not in block and total is None and "total" not in block:
            self.error("training", "'training' needs 'hours' per domain, a 'total', or both")
        if domains and total is not None:
            added = sum((Fraction(str(h)) for h in domains.values()), Fraction(0))
            if added != Fraction(str(total)):
                self.error(
                    "training.total",
                    f"the domain hours add up to {float(added):g}, "
                    f"but 'training.total' says {total:g}: make them agree",
                )
        return Training(
            domains=MappingProxyType(domains),
            total=total if total is not None else sum(domains.values()),
            courses=self.course_list(block),
        )

    def domain_hours(self, value: Any) -> dict[str, float]:
        if not isinstance(value, dict) or not value:
            self.error(
                "training.hours",
                "'training.hours' must be hours per domain, e.g. "
                "hours: {advocacy: 10, mentoring: 10, recovery-wellness: 10, ethics: 16}",
            )
            return {}
        result = {}
        for domain, amount in value.items():
            name = f"training.hours.{domain}"
            if domain not in self.domains:
                self.error(name, f"unknown domain '{domain}' (use one of: {', '.join(sorted(self.domains))})")
            elif not _is_number(amount) or amount < 0:
                self.error(name, f"hours for '{domain}' must be a number of hours, 0 or more (not {amount!r})")
            else:
                result[domain] = float(amount)
        return result

    def course_list(self, block: dict) -> tuple[str, ...]:
        if "courses" not in block:
            self.error(
                "training",
                "'training.courses' is required: the courses here whose certificates count, "
                "e.g. courses: [peer-specialist-core] (or courses: [] for none)",
            )
            return ()
        value = block["courses"]
        if not isinstance(value, list):
            self.error("training.courses", "'training.courses' must be a list, e.g. courses: [peer-specialist-core]")
            return ()
        result = []
        for i, slug in enumerate(value):
            name = f"training.courses[{i}]"
            if not isinstance(slug, str) or slug not in self.courses:
                self.error(name, f"unknown course '{slug}': there is no courses/{slug}.md")
            elif slug in result:
                self.error(name, f"course '{slug}' is listed twice")
            else:
                result.append(slug)
        return tuple(result)

    def exam(self, value: Any) -> Exam | None:
        block = self.block(value, "exam", "exam: {name: IC&RC Peer Recovery exam, required: true}")
        if block is None:
            return None
        self.unknown(block, "exam", EXAM_KEYS)
        required = block.get("required", True)
        if not isinstance(required, bool):
            self.error("exam.required", "'exam.required' must be true or false")
            required = True
        return Exam(self.text(block, "name", "exam.name", required=True) or "", required)

    def renewal(self, value: Any) -> Renewal | None:
        block = self.block(value, "renewal", "renewal: {period_months: 24, ce_hours: 20, ethics_hours: 6}")
        if block is None:
            return None
        self.unknown(block, "renewal", RENEWAL_KEYS)
        months = block.get("period_months")
        if "period_months" not in block:
            self.error("renewal", "'renewal.period_months' is required (how often the credential is renewed)")
        elif not isinstance(months, int) or isinstance(months, bool) or months < 1:
            self.error("renewal.period_months", "'renewal.period_months' must be a whole number of months, 1 or more")
            months = None
        ce = self.hours(block, "ce_hours", "renewal.ce_hours", required=True)
        ethics = self.hours(block, "ethics_hours", "renewal.ethics_hours", required=True)
        if ce is not None and ethics is not None and ethics > ce:
            self.error(
                "renewal.ethics_hours",
                f"'renewal.ethics_hours' ({ethics:g}) is part of 'ce_hours' ({ce:g}) and cannot be more",
            )
        if not isinstance(months, int) or ce is None or ethics is None:
            return None
        return Renewal(months, ce, ethics)
