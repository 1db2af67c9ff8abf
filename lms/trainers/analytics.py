"""Role-play analytics: pass rate, score distribution, how often each choice is taken, competency averages.

Choice counts use attempts on the current version of the role-play only: an edited file may have
different choices, and mixing versions would count the wrong ones.
"""

from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select

from ..assessments.attempts import quiz_for_attempt, steps_of
from ..assessments.models import FAILED, PASSED, Attempt
from ..assessments.scoring import score_path
from ..cohorts.models import CohortMember
from ..content.quiz import Quiz
from ..extensions import db


@dataclass
class QuizStats:
    quiz: Quiz
    finished: int = 0
    passed: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * 10)
    #: scene id -> Counter(choice index -> times taken), current version only
    choices: dict = field(default_factory=dict)
    other_versions: int = 0
    #: competency -> [earned, possible] summed over attempts
    competencies: dict = field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        return None if not self.finished else 100 * self.passed / self.finished


def quiz_stats(module_slug: str, quiz: Quiz, cohort_id: int | None = None) -> QuizStats:
    stmt = select(Attempt).where(
        Attempt.module_slug == module_slug,
        Attempt.quiz_slug == quiz.slug,
        Attempt.state.in_((PASSED, FAILED)),
        Attempt.practice.is_(False),
    )
    if cohort_id is not None:
        stmt = stmt.where(Attempt.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
    stats = QuizStats(quiz, choices={s.id: Counter() for s in quiz.scenes if s.kind == "choice"})
    for attempt in db.session.scalars(stmt):
        stats.finished += 1
        stats.passed += attempt.state == PASSED
        percent = attempt.percent
        stats.buckets[min(int(percent // 10), 9)] += 1
        version = quiz if attempt.fingerprint == quiz.fingerprint else quiz_for_attempt(attempt, quiz)
        if version is quiz:
            for step in attempt.steps:
                if step.choice_index is not None and step.scene_id in stats.choices:
                    stats.choices[step.scene_id][step.choice_index] += 1
        else:
            stats.other_versions += 1
        for score in score_path(version, steps_of(attempt)).competencies:
            totals = stats.competencies.setdefault(score.competency, [0, 0])
            totals[0] += score.earned
            totals[1] += score.possible
    return stats


def bar_chart(title: str, labels: list[str], values: list[float], unit: str = "", width: int = 560) -> str:
    """An accessible horizontal bar chart as SVG markup (role=img, a title and a description)."""

    bar_height, gap, label_width = 22, 8, 200
    height = max(len(values), 1) * (bar_height + gap) + gap
    top = max(values, default=0) or 1
    summary = "; ".join(f"{label}: {value:g}{unit}" for label, value in zip(labels, values, strict=False))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{_slug(title)}-t {_slug(title)}-d" '
        f'preserveAspectRatio="xMinYMin meet"><title id="{_slug(title)}-t">{escape(title)}</title>'
        f'<desc id="{_slug(title)}-d">{escape(summary)}</desc>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = gap + i * (bar_height + gap)
        length = (width - label_width - 60) * value / top
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" class="chart-label">{escape(label[:32])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1):.1f}" height="{bar_height}" class="chart-bar"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" class="chart-value">{value:g}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    # Every value above was escaped; the markup is our own.
    return Markup("".join(parts))  # nosec B704


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower())[:40]
