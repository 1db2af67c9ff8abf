"""The content pipeline: loading, validation with true file:line, fingerprints."""

from pathlib import Path

import pytest

from lms.content.loader import check_content, load_catalog
from lms.content.problems import ContentError

from helpers import BUNDLED_CONTENT, TEST_CONTENT, write_content


def errors_of(root: Path) -> list[str]:
    catalog, problems = check_content(root)
    assert catalog is None, "content with errors must not load"
    return [str(p) for p in problems if not p.warning]


def test_bundled_content_loads_cleanly():
    catalog, problems = check_content(BUNDLED_CONTENT)
    assert problems == []
    core = catalog.course("peer-specialist-core")
    assert len(core.modules) == 13
    assert {catalog.module(m).domain for m in core.modules} == {"advocacy", "mentoring", "recovery-wellness", "ethics"}
    assert core.hours == {"advocacy": 10, "mentoring": 10, "recovery-wellness": 10, "ethics": 16}
    assert core.attestation == "code-of-ethics"
    assert core.certificate.validity_months == 24
    for module in catalog.course_modules(core):
        assert 2000 <= module.words <= 4200, (module.slug, module.words)
        assert module.assessments, f"{module.slug} has no role-play"


def test_test_content_types_and_defaults():
    catalog = load_catalog(TEST_CONTENT)
    course = catalog.course("sample")
    assert course.hours == {"mentoring": 2.0, "ethics": 1.0} and course.total_hours == 3.0
    assert course.certificate.title == "Sample Course" and course.certificate.validity_months is None
    assert course.certificate.approval == "automatic"
    listening = catalog.module("listening")
    assert listening.heading == "Listening well"
    assert [t.text for t in listening.toc] == ["Reflecting feelings", "Open questions"]
    assert listening.competencies == ("reflective-listening", "open-questions")
    assert catalog.module("safety").content_note == "This lesson mentions self-harm."
    assert catalog.module("safety").heading is None


def test_unknown_module_in_course_is_reported_at_its_line(tmp_path):
    root = write_content(tmp_path, {"courses/t.md": "---\ntitle: T\nmodules:\n  - m\n  - missing-one\n---\n"})
    assert errors_of(root) == [
        f"{root}/courses/t.md:5: unknown module 'missing-one': there is no folder modules/missing-one/"
    ]


def test_unknown_front_matter_key_is_reported_at_its_line(tmp_path):
    root = write_content(tmp_path, {"modules/m/index.md": "---\ntitle: M\nminutes: 5\ncolour: blue\n---\nText\n"})
    assert errors_of(root) == [
        f"{root}/modules/m/index.md:4: unknown front-matter key 'colour' "
        "(allowed: competencies, content_note, domain, draft, minutes, summary, title)"
    ]


def test_bad_yaml_is_reported_at_the_line_of_the_problem(tmp_path):
    root = write_content(tmp_path, {"courses/t.md": "---\ntitle: T\nmodules: [m\nhours: 4\n---\n"})
    (message,) = errors_of(root)
    assert message.startswith(f"{root}/courses/t.md:4: YAML does not parse")


def test_missing_lesson_file_is_reported(tmp_path):
    root = write_content(tmp_path, {"modules/empty/notes.txt": "x"})
    assert errors_of(root) == [
        f"{root}/modules/empty/index.md:1: lesson file is missing: every module folder needs an index.md"
    ]


def test_all_problems_are_reported_at_once_and_nothing_half_loads(tmp_path):
    root = write_content(
        tmp_path,
        {
            "courses/t.md": "---\ntitle: T\nmodules: [m, ghost]\nhours: lots\n---\n",
            "modules/m/index.md": "---\nminutes: -1\n---\n",
            "modules/bad/index.md": "no front matter here\n",
        },
    )
    messages = errors_of(root)
    assert len(messages) == 5, messages
    assert any("courses/t.md:3: unknown module 'ghost'" in m for m in messages)
    assert any("courses/t.md:4: hours must be a number" in m for m in messages)
    assert any("modules/m/index.md:1: 'title' is required" in m for m in messages)
    assert any("modules/m/index.md:2: 'minutes' must be a whole number" in m for m in messages)
    assert any("modules/bad/index.md:1: missing front matter" in m for m in messages)
    with pytest.raises(ContentError) as raised:
        load_catalog(root)
    assert len(raised.value.problems) == 5


def test_unknown_competency_is_reported_when_competencies_file_exists(tmp_path):
    root = write_content(
        tmp_path,
        {
            "competencies.yaml": "listening:\n  name: Listening\n",
            "modules/m/index.md": "---\ntitle: M\ncompetencies: [listening, empathy]\n---\n",
        },
    )
    assert errors_of(root) == [
        f"{root}/modules/m/index.md:3: unknown competency 'empathy': add it to competencies.yaml or fix the spelling"
    ]


def test_any_competency_is_accepted_without_competencies_file(tmp_path):
    root = write_content(tmp_path, {"modules/m/index.md": "---\ntitle: M\ncompetencies: [anything-goes]\n---\n"})
    assert load_catalog(root).module("m").competencies == ("anything-goes",)


def test_certificate_block_is_validated(tmp_path):
    root = write_content(
        tmp_path,
        {
            "courses/t.md": (
                "---\ntitle: T\nmodules: [m]\ncertificate:\n  title: Cert\n  validity_months: 0\n  approval: boss\n  seal: gold\n---\n"
            )
        },
    )
    messages = errors_of(root)
    assert [m.split(": ", 1)[0].rsplit(":", 1)[1] for m in messages] == ["6", "7", "8"]
    assert "validity_months must be a whole number" in messages[0]
    assert "approval must be 'automatic' or 'trainer'" in messages[1]
    assert "unknown key 'seal' in certificate" in messages[2]


def test_unknown_attestation_and_bad_slugs(tmp_path):
    root = write_content(
        tmp_path,
        {
            "courses/t.md": "---\ntitle: T\nmodules: [m]\nattestation: pledge\n---\n",
            "modules/Bad_Name/index.md": "---\ntitle: B\n---\n",
        },
    )
    messages = errors_of(root)
    assert any("courses/t.md:4: unknown attestation 'pledge'" in m for m in messages)
    assert any("Bad_Name:1: module folder name 'Bad_Name' is not a valid slug" in m for m in messages)


def test_quiz_errors_make_the_whole_content_fail(tmp_path):
    root = write_content(tmp_path, {"modules/m/q.quiz.md": "---\ntitle: Q\n---\n## a\n- x -> nowhere\n  +1\n"})
    assert errors_of(root) == [f"{root}/modules/m/q.quiz.md:5: arrow to unknown scene 'nowhere'"]


def test_unsafe_html_is_a_warning_not_an_error(tmp_path):
    root = write_content(
        tmp_path,
        {
            "modules/m/index.md": '---\ntitle: M\n---\n# M\n\n<script>alert(1)</script>\n\n<a href="javascript:x()">go</a>\n'
        },
    )
    catalog, problems = check_content(root)
    assert catalog is not None
    assert [str(p) for p in problems] == [
        f"{root}/modules/m/index.md:6: warning: HTML tag <script> is not allowed and will be removed",
        f"{root}/modules/m/index.md:8: warning: 'javascript:' links are not allowed and will be removed",
    ]
    assert "<script" not in catalog.module("m").html and "javascript:" not in catalog.module("m").html


def test_fingerprints_follow_content(tmp_path):
    root = write_content(tmp_path, {})
    first = load_catalog(root)
    again = load_catalog(root)
    assert first.module("m").fingerprint == again.module("m").fingerprint
    assert first.course("t").fingerprint == again.course("t").fingerprint
    (root / "modules/m/index.md").write_text("---\ntitle: M\n---\nChanged.\n")
    changed = load_catalog(root)
    assert changed.module("m").fingerprint != first.module("m").fingerprint
    assert changed.course("t").fingerprint != first.course("t").fingerprint, "a course's fingerprint covers its modules"


def test_duplicate_and_non_utf8_files(tmp_path):
    root = write_content(tmp_path, {"courses/t.md": "---\ntitle: T\nmodules: [m, m]\n---\n"})
    (root / "modules/m/index.md").write_bytes(b"---\ntitle: \xff\n---\n")
    messages = errors_of(root)
    assert any("a module is listed twice" in m for m in messages)
    assert any("modules/m/index.md:1: the file is not UTF-8 text" in m for m in messages)


def test_missing_content_folder(tmp_path):
    assert errors_of(tmp_path / "nope") == [f"{tmp_path}/nope:1: content folder not found"]


def test_the_graders_guide_is_attached_to_its_role_play():
    quiz = load_catalog(TEST_CONTENT).module("listening").assessment("first-visit")
    assert set(quiz.guide) == {"reflect"} and "Common mistakes" in quiz.guide["reflect"]


def test_a_guide_section_naming_no_written_scene_and_a_guide_without_role_play_are_errors(tmp_path):
    quiz = (TEST_CONTENT / "modules/listening/first-visit.quiz.md").read_text()
    root = write_content(
        tmp_path,
        {
            "modules/m/index.md": "---\ntitle: M\n---\nText\n",
            "modules/m/visit.quiz.md": quiz,
            "modules/m/visit.guide.md": "## reflect\nGood.\n\n## feelings\nNot a written scene.\n",
            "modules/m/ghost.guide.md": "## reflect\nNo role-play.\n",
        },
    )
    assert errors_of(root) == [
        f"{root}/modules/m/ghost.guide.md:1: this grader's guide has no role-play beside it: expected ghost.quiz.md",
        f"{root}/modules/m/visit.guide.md:4: guide section 'feelings' names no written scene of visit.quiz.md (its written scenes: reflect)",
    ]


HOURS_MODULES = {
    "modules/a/index.md": "---\ntitle: A\nminutes: 90\ndomain: ethics\n---\nText\n",
    "modules/b/index.md": "---\ntitle: B\nminutes: 30\ndomain: mentoring\n---\nText\n",
}


def course_with(front: str) -> dict:
    return {**HOURS_MODULES, "courses/c.md": f"---\ntitle: C\nmodules: [a, b]\n{front}---\nText\n"}


@pytest.mark.parametrize(
    "front",
    [
        "hours: {ethics: 1.5, mentoring: 0.5}\n",  # exactly the module minutes
        "hours: {ethics: 3.5}\nlive: {ethics: 2}\n",  # 1.5 h of modules + 2 live hours
        "hours: 2\n",  # a single number: all minutes (2 h)
        "hours: 6\nlive: {ethics: 2, advocacy: 2}\n",  # 2 h of modules + 4 live hours
    ],
)
def test_hours_backed_by_module_minutes_and_live_hours_are_accepted(tmp_path, front):
    catalog, problems = check_content(write_content(tmp_path, course_with(front)))
    assert problems == [] and catalog is not None


def test_hours_a_domain_does_not_back_are_rejected_naming_the_domain_and_the_evidence(tmp_path):
    root = write_content(
        tmp_path, course_with("hours:\n  ethics: 16\n  mentoring: 0.5\n  advocacy: 1\nlive: {ethics: 8}\n")
    )
    assert errors_of(root) == [
        f"{root}/courses/c.md:5: hours for 'ethics' claim 16, but the course backs only 9.5 hours "
        "(90 minutes of modules with domain: ethics + 8 live hours)",
        f"{root}/courses/c.md:7: hours for 'advocacy' claim 1, but the course backs only 0 hours "
        "(0 minutes of modules with domain: advocacy + 0 live hours)",
    ]
    root = write_content(tmp_path / "single", course_with("hours: 46\n"))
    assert errors_of(root) == [
        f"{root}/courses/c.md:4: hours: 46 is more than the course backs: 2 hours "
        "(120 minutes of modules + 0 live hours); lower hours, or add module minutes or live hours"
    ]


def test_live_hours_must_be_positive_numbers_per_domain(tmp_path):
    root = write_content(tmp_path, course_with("live: {ethics: none, Bad Domain: 2}\n"))
    assert errors_of(root) == [
        f"{root}/courses/c.md:4: live domain 'Bad Domain' is not valid: use lowercase letters, digits and hyphens",
        f"{root}/courses/c.md:4: live hours for 'ethics' must be a number of hours above 0",
    ]
