"""The bundled course as a board would check it: every route of every role-play walked, every lesson measured."""

import re

from lms.assessments.scoring import Step, passes, score_path
from lms.content.loader import load_catalog
from lms.content.quiz import END

from helpers import BUNDLED_CONTENT


def routes(quiz):
    """Every route from the first scene to an end, as (steps, score, possible, critical).

    Written scenes count at full marks (the best case for passing). Choices of one scene that lead to
    the same place with the same points and safety are the same route for scoring, so they are walked
    once: a ten-question knowledge check has 2**10 routes to walk, not 4**10.
    """
    stack = [(quiz.first, [], 0, 0, False)]
    while stack:
        scene, steps, raw, possible, critical = stack.pop()
        if scene.kind == "ending":
            yield steps + [Step(scene.id)], raw, possible, critical
            continue
        if scene.kind == "written":
            options = [
                (scene.next, Step(scene.id, awards=tuple(c.points for c in scene.rubric)), scene.rubric_points, False)
            ]
        else:
            seen, options = set(), []
            for c in scene.choices:
                if (c.target, c.points, c.critical) not in seen:
                    seen.add((c.target, c.points, c.critical))
                    options.append((c.target, Step(scene.id, c.index), c.points, c.critical))
        for target, step, points, unsafe in options:
            state = (steps + [step], raw + points, possible + scene.possible, critical or unsafe)
            if target == END:
                yield state
            else:
                stack.append((quiz.scene(target), *state))


def test_every_role_play_has_a_full_score_route_and_no_passing_route_reaches_an_unsafe_ending():
    catalog = load_catalog(BUNDLED_CONTENT)
    walked = 0
    for module in catalog.modules.values():
        for quiz in module.assessments:
            full_score = False
            for steps, raw, possible, critical in routes(quiz):
                walked += 1
                if critical:
                    continue
                passed = passes(max(raw, 0), possible, quiz.pass_mark)
                full_score |= passed and raw == possible
                ending = steps[-1].scene
                assert not (passed and ending in quiz.unsafe_endings), (
                    f"{module.slug}/{quiz.slug}: a passing route reaches the unsafe ending '{ending}': "
                    + " -> ".join(s.scene for s in steps)
                )
            assert full_score, f"{module.slug}/{quiz.slug}: no route of model answers scores 100%"
    assert walked > 10_000


def test_the_walk_scores_routes_as_the_app_does():
    quiz = load_catalog(BUNDLED_CONTENT).module("de-escalation").assessments[0]
    for n, (steps, raw, possible, critical) in enumerate(routes(quiz)):
        result = score_path(quiz, steps)
        assert (result.score, result.possible, result.critical) == (max(raw, 0), possible, critical)
        if n > 300:
            break


def test_every_role_play_about_suicide_or_overdose_carries_a_content_note():
    catalog = load_catalog(BUNDLED_CONTENT)
    for slug in ("de-escalation", "ethics", "suicide-prevention", "harm-reduction-overdose"):
        module = catalog.module(slug)
        assert module.content_note, slug
        for quiz in module.assessments:
            if quiz.slug != "knowledge-check":
                assert quiz.content_note and quiz.unsafe_endings, f"{slug}/{quiz.slug}"


def lesson_text(markdown: str) -> str:
    """The words a trainee reads: no front matter, no References list, no Markdown syntax or table rules."""
    body = markdown.split("\n---\n", 1)[1] if markdown.startswith("---") else markdown
    body = re.split(r"^## References\b", body, flags=re.M)[0]
    body = re.sub(r"```.*?```", " ", body, flags=re.S)
    body = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", body)  # links and images: keep their text
    body = re.sub(r"^\s*\|?[-:| ]+\|?\s*$", " ", body, flags=re.M)  # table rules
    body = re.sub(r"<[^>]+>", " ", body)
    lines = []
    for line in body.splitlines():
        line = re.sub(r"^\s*(#+|[-*+>]|\d+\.)\s+", "", line).replace("|", ". ").replace("**", "").replace("*", "")
        if line.strip():
            lines.append(line.strip() if line.strip()[-1] in ".?!:;" else line.strip() + ".")
    return "\n".join(lines)


def readability() -> list[tuple[str, int, float]]:
    """(module, words, Flesch-Kincaid grade) for every lesson of the bundled course."""
    import textstat

    catalog = load_catalog(BUNDLED_CONTENT)
    rows = []
    for slug in catalog.course("peer-specialist-core").modules:
        text = lesson_text(catalog.module(slug).path.read_text())
        rows.append((slug, len(text.split()), textstat.flesch_kincaid_grade(text)))
    return rows


def test_every_lesson_reads_at_grade_8_or_below():
    for slug, words, grade in readability():
        assert words >= 2000, f"{slug}: {words} words"
        assert grade <= 8, f"{slug} reads at grade {grade}"


if __name__ == "__main__":  # python tests/test_bundled_content.py: the figures, as a table
    print("| Module | Words | Flesch-Kincaid grade |\n|---|---|---|")
    for slug, words, grade in readability():
        print(f"| {slug} | {words:,} | {grade:.1f} |")
