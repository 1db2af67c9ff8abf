"""The content pipeline: loading, validation with true file:line, fingerprints."""
from pathlib import Path

import pytest

from helpers import write_content
from lms.courses.loader import inspect, load_catalog
from lms.courses.problems import ContentError

from helpers import BUNDLED_CONTENT, TEST_CONTENT


def errors_of(root: Path) -> list[str]:
    catalog, problems = inspect(root)
    assert catalog is None, "content with errors must not load"
    return [str(p) for p in problems if not p.warning]


def test_bundled_content_loads_cleanly():
    catalog, problems = inspect(BUNDLED_CONTENT)
    assert problems == []
    core = catalog.course("peer-specialist-core")
    assert core.modules == ("active-listening", "trauma-informed-care", "de-escalation", "boundaries",
                            "cultural-competency", "ethics")
    assert core.attestation == "code-of-ethics"
    assert core.certificate.validity_months == 24
    for module in catalog.course_modules(core):
        assert 1500 <= module.words <= 3200, (module.slug, module.words)
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
    assert errors_of(root) == [f"{root}/courses/t.md:5: unknown module 'missing-one': there is no folder modules/missing-one/"]


def test_unknown_front_matter_key_is_reported_at_its_line(tmp_path):
    root = write_content(tmp_path, {"modules/m/index.md": "---\ntitle: M\nminutes: 5\ncolour: blue\n---\nText\n"})
    assert errors_of(root) == [f"{root}/modules/m/index.md:4: unknown front-matter key 'colour' "
                               "(allowed: competencies, content_note, domain, draft, minutes, summary, title)"]


def test_bad_yaml_is_reported_at_the_line_of_the_problem(tmp_path):
    root = write_content(tmp_path, {"courses/t.md": "---\ntitle: T\nmodules: [m\nhours: 4\n---\n"})
    (message,) = errors_of(root)
    assert message.startswith(f"{root}/courses/t.md:4: YAML does not parse")


def test_missing_lesson_file_is_reported(tmp_path):
    root = write_content(tmp_path, {"modules/empty/notes.txt": "x"})
    assert errors_of(root) == [f"{root}/modules/empty/index.md:1: lesson file is missing: every module folder needs an index.md"]


def test_all_problems_are_reported_at_once_and_nothing_half_loads(tmp_path):
    root = write_content(tmp_path, {
        "courses/t.md": "---\ntitle: T\nmodules: [m, ghost]\nhours: lots\n---\n",
        "modules/m/index.md": "---\nminutes: -1\n---\n",
        "modules/bad/index.md": "no front matter here\n",
    })
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
    root = write_content(tmp_path, {
        "competencies.yaml": "listening:\n  name: Listening\n",
        "modules/m/index.md": "---\ntitle: M\ncompetencies: [listening, empathy]\n---\n",
    })
    assert errors_of(root) == [f"{root}/modules/m/index.md:3: unknown competency 'empathy': add it to competencies.yaml or fix the spelling"]


def test_any_competency_is_accepted_without_competencies_file(tmp_path):
    root = write_content(tmp_path, {"modules/m/index.md": "---\ntitle: M\ncompetencies: [anything-goes]\n---\n"})
    assert load_catalog(root).module("m").competencies == ("anything-goes",)


def test_certificate_block_is_validated(tmp_path):
    root = write_content(tmp_path, {"courses/t.md": (
        "---\ntitle: T\nmodules: [m]\ncertificate:\n  title: Cert\n  validity_months: 0\n  approval: boss\n  seal: gold\n---\n")})
    messages = errors_of(root)
    assert [m.split(": ", 1)[0].rsplit(":", 1)[1] for m in messages] == ["6", "7", "8"]
    assert "validity_months must be a whole number" in messages[0]
    assert "approval must be 'automatic' or 'trainer'" in messages[1]
    assert "unknown key 'seal' in certificate" in messages[2]


def test_unknown_attestation_and_bad_slugs(tmp_path):
    root = write_content(tmp_path, {
        "courses/t.md": "---\ntitle: T\nmodules: [m]\nattestation: pledge\n---\n",
        "modules/Bad_Name/index.md": "---\ntitle: B\n---\n",
    })
    messages = errors_of(root)
    assert any("courses/t.md:4: unknown attestation 'pledge'" in m for m in messages)
    assert any("Bad_Name:1: module folder name 'Bad_Name' is not a valid slug" in m for m in messages)


def test_quiz_errors_make_the_whole_content_fail(tmp_path):
    root = write_content(tmp_path, {"modules/m/q.quiz.md": "---\ntitle: Q\n---\n## a\n- x -> nowhere\n  +1\n"})
    assert errors_of(root) == [f"{root}/modules/m/q.quiz.md:5: arrow to unknown scene 'nowhere'"]


def test_unsafe_html_is_a_warning_not_an_error(tmp_path):
    root = write_content(tmp_path, {"modules/m/index.md": "---\ntitle: M\n---\n# M\n\n<script>alert(1)</script>\n\n<a href=\"javascript:x()\">go</a>\n"})
    catalog, problems = inspect(root)
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
