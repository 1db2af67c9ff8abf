"""Typed, frozen objects for everything the loader reads from `content/`."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from .markdown import Section, TocEntry


@dataclass(frozen=True)
class Competency:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    summary: str
    minutes: int
    competencies: tuple[str, ...]
    html: Markup
    toc: tuple[TocEntry, ...]
    #: the lesson's own `#` heading, which the page uses as its h1 (None: the page adds one)
    heading: str | None
    words: int
    fingerprint: str
    path: Path
    #: shown before the lesson, for lessons that discuss suicide, self-harm, abuse or trauma
    content_note: str | None = None
    #: hidden from trainees; trainers can preview it
    draft: bool = False
    #: the hours domain its reading and role-play time counts towards on transcripts (e.g. ethics)
    domain: str | None = None
    #: role-plays, in file-name order (lms.content.quiz.Quiz)
    assessments: tuple[Any, ...] = ()
    #: the lesson read one `##` section per page; empty for a lesson read as one page
    sections: tuple[Section, ...] = ()

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def section_count(self) -> int:
        return len(self.sections) or 1

    @property
    def required_assessments(self) -> tuple[Any, ...]:
        return tuple(q for q in self.assessments if q.required)

    def assessment(self, slug: str):
        return next((q for q in self.assessments if q.slug == slug), None)


@dataclass(frozen=True)
class CertificateSpec:
    title: str
    #: None: the certificate never expires
    validity_months: int | None = None
    approval: str = "automatic"


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    modules: tuple[str, ...]
    #: contact hours by domain; a single number is {"total": n}
    hours: Mapping[str, float]
    description: Markup
    certificate: CertificateSpec
    fingerprint: str
    path: Path
    attestation: str | None = None
    summary: str = ""
    draft: bool = False
    #: hours of trainer-led live sessions per domain that a trainee must attend to complete the course
    live: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_hours(self) -> float:
        return sum(self.hours.values())

    @property
    def live_hours(self) -> float:
        return sum(self.live.values())


@dataclass(frozen=True)
class Attestation:
    slug: str
    title: str
    html: Markup
    fingerprint: str
    path: Path


@dataclass(frozen=True)
class Catalog:
    """Everything loaded from one content directory, as one immutable version."""

    courses: Mapping[str, Course]
    modules: Mapping[str, Module]
    competencies: Mapping[str, Competency]
    attestations: Mapping[str, Attestation]
    fingerprint: str
    root: Path
    warnings: tuple = field(default=())
    #: content/support.md: the deployment's own crisis lines (None: the built-in United States list)
    support: Attestation | None = None
    #: content/pathways/*.yaml: certification pathways by slug (lms.content.pathways.Pathway)
    pathways: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("courses", "modules", "competencies", "attestations", "pathways"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def course(self, slug: str) -> Course | None:
        return self.courses.get(slug)

    def module(self, slug: str) -> Module | None:
        return self.modules.get(slug)

    def course_modules(self, course: Course, include_drafts: bool = True) -> list[Module]:
        return [
            self.modules[s]
            for s in course.modules
            if s in self.modules and (include_drafts or not self.modules[s].draft)
        ]

    def study_hours(self, course: Course) -> float:
        """Hours of self-study the course's modules take (their minutes; drafts are not taken)."""
        return sum(m.minutes for m in self.course_modules(course, include_drafts=False)) / 60

    def pathway(self, slug: str):
        """The pathway with this slug, or None."""
        return self.pathways.get(slug)

    def visible_courses(self) -> list[Course]:
        return sorted((c for c in self.courses.values() if not c.draft), key=lambda c: c.title.lower())
