"""Certification pathways as content: `content/pathways/<slug>.yaml`, checked with file:line like everything else."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lms.content.cli import content_cli
from lms.content.loader import check_content, load_catalog
from lms.content.problems import ContentError

from helpers import BUNDLED_CONTENT, TEST_CONTENT

GOOD = """\
title: Sample Credential
board:
  name: Sample Board
  url: https://board.example.org
training:
  hours: {mentoring: 4, ethics: 2}
  total: 6
  courses: [sample]
experience_hours: 10
supervision_hours: 2
exam:
  name: Sample Exam
renewal:
  period_months: 24
  ce_hours: 4
  ethics_hours: 1
"""


def content_with(tmp_path: Path, text: str, name: str = "credential.yaml") -> Path:
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    shutil.rmtree(root / "pathways")
    (root / "pathways").mkdir()
    (root / "pathways" / name).write_text(text)
    return root


def errors_of(root: Path) -> list[str]:
    catalog, problems = check_content(root)
    assert catalog is None, "content with a bad pathway must not load"
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems if not p.warning]


def test_bundled_pathways_load():
    catalog = load_catalog(BUNDLED_CONTENT)
    assert set(catalog.pathways) == {"icrc-peer-recovery", "pennsylvania-peer-specialist", "texas-peer-specialist"}
    icrc = catalog.pathway("icrc-peer-recovery")
    assert dict(icrc.training.domains) == {"advocacy": 10, "mentoring": 10, "recovery-wellness": 10, "ethics": 16}
    assert icrc.training.total == 46 and icrc.training.courses == ("peer-specialist-core",)
    assert (icrc.experience_hours, icrc.supervision_hours) == (500, 25)
    assert icrc.exam.required and icrc.board.url.startswith("https://")
    assert (icrc.renewal.period_months, icrc.renewal.ce_hours, icrc.renewal.ethics_hours) == (24, 20, 6)
    pennsylvania = catalog.pathway("pennsylvania-peer-specialist")
    assert pennsylvania.training.total == 75 and not pennsylvania.training.domains
    assert (pennsylvania.renewal.period_months, pennsylvania.renewal.ce_hours, pennsylvania.renewal.ethics_hours) == (
        24,
        36,
        3,
    )
    texas = catalog.pathway("texas-peer-specialist")
    assert (texas.renewal.period_months, texas.renewal.ce_hours, texas.renewal.ethics_hours) == (24, 20, 3)
    # DOMAIN.md gives no other number for these states: nothing is invented, and the notes say to check the board.
    for state in (pennsylvania, texas):
        assert state.experience_hours is None and state.supervision_hours is None and state.exam is None
        assert "check the board's current rules" in state.notes
    assert texas.training is None


def test_a_good_pathway_loads_with_its_values(tmp_path):
    catalog = load_catalog(content_with(tmp_path, GOOD))
    pathway = catalog.pathway("credential")
    assert pathway.title == "Sample Credential" and pathway.board.name == "Sample Board"
    assert pathway.exam.required is True, "an exam is required unless the file says required: false"
    assert pathway.fingerprint


def test_pathways_are_part_of_the_content_version(tmp_path):
    first = load_catalog(content_with(tmp_path / "a", GOOD)).fingerprint
    second = load_catalog(
        content_with(tmp_path / "b", GOOD.replace("experience_hours: 10", "experience_hours: 12"))
    ).fingerprint
    assert first != second


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            GOOD.replace("supervision_hours: 2\n", "supervision_hours: 2\nsupervison: 3\n"),
            "credential.yaml:11: unknown key 'supervison' (allowed: title, board, notes, training, experience_hours, "
            "supervision_hours, exam, renewal)",
        ),
        (
            GOOD.replace("experience_hours: 10", "experience_hours: -5"),
            "credential.yaml:9: 'experience_hours' must be a number of hours, 0 or more (not -5)",
        ),
        (
            GOOD.replace("supervision_hours: 2", "supervision_hours: lots"),
            "credential.yaml:10: 'supervision_hours' must be a number of hours, 0 or more (not 'lots')",
        ),
        (
            GOOD.replace("hours: {mentoring: 4, ethics: 2}", "hours:\n    mentoring: 4\n    ethic: 2"),
            "credential.yaml:8: unknown domain 'ethic' (use one of: advocacy, ethics, mentoring, recovery-wellness)",
        ),
        (
            GOOD.replace("courses: [sample]", "courses:\n    - sample\n    - advanced"),
            "credential.yaml:10: unknown course 'advanced': there is no courses/advanced.md",
        ),
        (
            GOOD.replace("total: 6", "total: 7"),
            "credential.yaml:7: the domain hours add up to 6, but 'training.total' says 7: make them agree",
        ),
        (
            GOOD.replace("  ce_hours: 4\n", ""),
            "credential.yaml:13: 'renewal.ce_hours' is required (a number of hours, 0 or more)",
        ),
        (
            GOOD.replace("  period_months: 24\n", ""),
            "credential.yaml:13: 'renewal.period_months' is required (how often the credential is renewed)",
        ),
        (
            GOOD.replace("ethics_hours: 1", "ethics_hours: 5"),
            "credential.yaml:16: 'renewal.ethics_hours' (5) is part of 'ce_hours' (4) and cannot be more",
        ),
        (
            GOOD.replace("period_months: 24", "period_months: 1.5"),
            "credential.yaml:14: 'renewal.period_months' must be a whole number of months, 1 or more",
        ),
        (
            GOOD.replace("  name: Sample Exam\n", "  name: Sample Exam\n  required: maybe\n"),
            "credential.yaml:13: 'exam.required' must be true or false",
        ),
        (
            GOOD.replace("  url: https://board.example.org\n", "  url: javascript:alert(1)\n"),
            "credential.yaml:4: 'board.url' must be a web address starting with https://",
        ),
        (GOOD.replace("title: Sample Credential\n", ""), "credential.yaml:1: 'title' is required"),
        (GOOD.replace("  name: Sample Board\n", ""), "credential.yaml:2: 'board.name' is required"),
        (
            GOOD.replace("  courses: [sample]\n", ""),
            "credential.yaml:5: 'training.courses' is required: the courses here whose certificates count, "
            "e.g. courses: [peer-specialist-core] (or courses: [] for none)",
        ),
        (
            GOOD.replace("  hours: {mentoring: 4, ethics: 2}\n  total: 6\n", ""),
            "credential.yaml:5: 'training' needs 'hours' per domain, a 'total', or both",
        ),
        (
            GOOD.replace("renewal:\n", "renewal: every two years\n").replace(
                "  period_months: 24\n  ce_hours: 4\n  ethics_hours: 1\n", ""
            ),
            "credential.yaml:13: 'renewal' must be a block of keys, e.g. renewal: {period_months: 24, ce_hours: 20, ethics_hours: 6}",
        ),
        (
            "title: [unclosed\n",
            "credential.yaml:1: YAML does not parse: a list that starts with '[' on line 1 is not closed "
            "with ']' (or an item in it needs quotes)",
        ),
    ],
)
def test_pathway_errors_name_file_and_line(tmp_path, text, expected):
    assert expected in errors_of(content_with(tmp_path, text))


def test_every_error_in_a_pathway_is_reported_at_once(tmp_path):
    text = GOOD.replace("experience_hours: 10", "experience_hours: -1").replace(
        "supervision_hours: 2", "supervision_hours: x"
    )
    assert [e.split(":")[1] for e in errors_of(content_with(tmp_path, text))] == ["9", "10"]


def test_a_bad_pathway_never_half_loads_the_content(tmp_path):
    root = content_with(tmp_path, GOOD.replace("total: 6", "total: 60"))
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    assert "training.total" in str(caught.value)


def test_a_pathway_file_needs_the_yaml_extension_and_a_slug_name(tmp_path):
    root = content_with(tmp_path, GOOD, name="credential.yml")
    (root / "pathways" / "Bad Name.yaml").write_text(GOOD)
    errors = errors_of(root)
    assert "credential.yml:1: 'credential.yml' is not a pathway file: name it <slug>.yaml" in errors
    assert any(e.startswith("Bad Name.yaml:1: file name 'Bad Name' is not a valid slug") for e in errors)


def test_content_check_counts_and_reports_pathways(tmp_path):
    good = CliRunner().invoke(content_cli, ["check", str(content_with(tmp_path / "a", GOOD))])
    assert good.exit_code == 0 and "1 pathway(s)" in good.output
    bad = CliRunner().invoke(
        content_cli, ["check", str(content_with(tmp_path / "b", GOOD.replace("total: 6", "total: 5")))]
    )
    assert bad.exit_code == 1
    assert "credential.yaml:7: the domain hours add up to 6, but 'training.total' says 5" in bad.output
