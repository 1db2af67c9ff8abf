"""Publishing content from the browser (issue #20): candidates, upload, git, check, impact, preview, publish."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import TEST_CONTENT
from lms.extensions import db
from lms.publishing import api
from lms.publishing.models import Candidate, Source


def _tree(root: Path = TEST_CONTENT) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


LESSON_WITH_ERROR = b"---\ntitle: Looking After Yourself\nminutes: ten\n---\n# Looking after yourself\n\nRest.\n"
GOOD_LESSON = b"---\ntitle: Looking After Yourself\nminutes: 10\n---\n# Looking after yourself\n\nRest.\n"


def test_a_candidate_of_the_live_files_has_the_live_fingerprint_and_passes_the_check(app, make_user):
    author = make_user(role="admin")
    candidate = api.create_candidate(api.live_files(), based_on=api.live_fingerprint(), source=Source.DISK, user=author)
    db.session.commit()
    assert candidate.fingerprint == api.live_fingerprint()
    assert candidate.error_count == 0 and api.catalog_for(candidate).course("sample") is not None
    assert api.candidate_files(candidate) == _tree()


def test_write_file_updates_an_open_candidate_and_checks_it_again_with_file_and_line(app, make_user):
    author = make_user(role="admin")
    candidate = api.create_candidate(api.live_files(), based_on=api.live_fingerprint(), source=Source.EDITOR,
                                     user=author)
    first = candidate.fingerprint
    same = api.write_file(candidate, "modules/rest/index.md", LESSON_WITH_ERROR, author)
    db.session.commit()
    assert same.id == candidate.id and same.fingerprint != first
    errors = [p for p in api.problems_of(same) if not p.warning]
    assert [(p.path, p.line) for p in errors] == [("modules/rest/index.md", 3)]
    assert api.catalog_for(same) is None
    fixed = api.write_file(same, "modules/rest/index.md", GOOD_LESSON, author)
    assert fixed.error_count == 0 and api.catalog_for(fixed).module("rest").title == "Looking After Yourself"
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 1


@pytest.mark.parametrize("path", ["../x.md", "/etc/passwd.md", "modules\\m\\index.md", "modules/m/.secret.md",
                                  "modules/m/run.py", "notes.md", "modules/../courses/x.md"])
def test_write_file_refuses_paths_outside_the_tree_and_types_not_allowed(app, make_user, path):
    author = make_user(role="admin")
    candidate = api.create_candidate(api.live_files(), based_on=None, source=Source.EDITOR, user=author)
    with pytest.raises(api.CandidateError):
        api.write_file(candidate, path, b"x", author)
