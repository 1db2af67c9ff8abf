"""Content problems, reported to trainers as `file:line: message`."""

import os
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{display_path(self.path)}:{self.line}: {kind}{self.message}"


def display_path(path: str) -> str:
    """The path relative to the working directory when it is below it, as compilers print."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


class ContentError(Exception):
    """Content that cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Collector:
    """Gathers problems while a file is being read, so all are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(str(path), max(line, 1), message))

    def warn(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(str(path), max(line, 1), message, warning=True))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]
