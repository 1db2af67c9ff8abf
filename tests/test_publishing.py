"""Publishing content from the browser (issue #20): candidates, upload, git, check, impact, preview, publish."""

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from lms.assessments.models import Attempt
from lms.audit import AuditEvent
from lms.auth.models import User
from lms.auth.operations import create_user
from lms.content import content_state
from lms.content.versions import ContentVersion, pack
from lms.extensions import db
from lms.publishing import api
from lms.publishing.models import Candidate, Source
from lms.reading.models import LessonProgress

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, TEST_CONTENT, csrf_token, post

LIMITS = {
    "PUBLISH_MAX_UPLOAD_BYTES": 2 * 1024 * 1024,
    "PUBLISH_MAX_FILES": 60,
    "PUBLISH_MAX_FILE_BYTES": 1024 * 1024,
    "PUBLISH_MAX_TOTAL_BYTES": 4 * 1024 * 1024,
}
LESSON_WITH_ERROR = b"---\ntitle: Looking After Yourself\nminutes: ten\n---\n# Looking after yourself\n\nRest.\n"
GOOD_LESSON = b"---\ntitle: Looking After Yourself\nminutes: 10\n---\n# Looking after yourself\n\nRest well.\n"
REST = "/courses/sample/rest/"


def _tree(root: Path = TEST_CONTENT) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def _with_rest_module(lesson: bytes = GOOD_LESSON) -> dict[str, bytes]:
    """The test content with a third module, Looking After Yourself, added to the Sample Course."""
    files = _tree()
    files["courses/sample.md"] = files["courses/sample.md"].replace(
        b"modules: [listening, safety]", b"modules: [listening, safety, rest]"
    )
    files["modules/rest/index.md"] = lesson
    return files


def make_zip(entries: dict[str, bytes], links: dict[str, str] | None = None, stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def stored(app):
    """The app, with the version it serves stored as the active one: on PostgreSQL the fixtures empty every
    table after the first app starts, which removes the version it had just stored."""
    with app.app_context():
        content_state().load_disk()
        db.session.commit()
    return app


@pytest.fixture
def live(app):
    return stored(app)


@pytest.fixture
def site(app_factory, tmp_path):
    """An app on a copy of the test content, with small upload limits; people are made with site.person()."""
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    app = stored(app_factory(CONTENT_DIR=str(root), CONTENT_CHECK_SECONDS=0, **LIMITS))
    return Site(app, root)


class Site:
    def __init__(self, app, root):
        self.app, self.root = app, root

    def person(self, email: str, role: str = "trainee", author: bool = False):
        """A signed-in client for a new account (a trainer with author=True may publish)."""
        with self.app.app_context():
            user = create_user(email, PASSWORD, "Test Person", "Test Person Legal", role, privacy_accepted=True)
            user.can_author = author
            db.session.commit()
            user_id = user.id
        client = self.app.test_client()
        post(client, "/account/login", {"email": email, "password": PASSWORD})
        client.user_id = user_id
        return client

    def upload(self, client, data: bytes, name: str = "content.zip"):
        # The body is built here, in memory: the test client would spool a large one to a file it never closes.
        boundary, body = encode_multipart(
            MultiDict(
                {"csrf_token": csrf_token(client, "/publishing/"), "archive": FileStorage(io.BytesIO(data), name)}
            )
        )
        return client.post("/publishing/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    def candidates(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(Candidate))

    def live(self) -> str:
        with self.app.app_context():
            return db.session.scalar(select(ContentVersion.fingerprint).where(ContentVersion.active.is_(True)))


def candidate_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/publishing/candidates/(\d+)/", response.location).group(1))


# -- the API the editor builds on ------------------------------------------------------------


def test_a_candidate_of_the_live_files_has_the_live_fingerprint_and_passes_the_check(live, make_user):
    author = make_user(role="admin")
    candidate = api.create_candidate(api.live_files(), based_on=api.live_fingerprint(), source=Source.DISK, user=author)
    db.session.commit()
    assert candidate.fingerprint == api.live_fingerprint()
    assert candidate.error_count == 0 and api.catalog_for(candidate).course("sample") is not None
    assert api.candidate_files(candidate) == _tree()


def test_write_file_updates_an_open_candidate_and_checks_it_again_with_file_and_line(live, make_user):
    author = make_user(role="admin")
    candidate = api.create_candidate(
        api.live_files(), based_on=api.live_fingerprint(), source=Source.EDITOR, user=author
    )
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


@pytest.mark.parametrize(
    "path",
    [
        "../x.md",
        "/etc/passwd.md",
        "modules\\m\\index.md",
        "modules/m/.secret.md",
        "modules/m/run.py",
        "notes.md",
        "modules/../courses/x.md",
    ],
)
def test_write_file_refuses_paths_outside_the_tree_and_types_not_allowed(app, make_user, path):
    author = make_user(role="admin")
    candidate = api.create_candidate(api.live_files(), based_on=None, source=Source.EDITOR, user=author)
    with pytest.raises(api.CandidateError):
        api.write_file(candidate, path, b"x", author)


# -- upload ----------------------------------------------------------------------------------


def test_a_module_zip_adds_the_module_to_a_copy_of_the_live_tree(site):
    author = site.person("author@example.org", "trainer", author=True)
    cid = candidate_id(
        site.upload(author, make_zip({"rest/index.md": GOOD_LESSON, "rest/images/a.png": b"png"}), "rest.zip")
    )
    with site.app.app_context():
        files = api.candidate_files(db.session.get(Candidate, cid))
    assert files == {**_tree(), "modules/rest/index.md": GOOD_LESSON, "modules/rest/images/a.png": b"png"}


def test_a_whole_tree_zip_in_one_folder_becomes_the_candidate(site):
    author = site.person("author@example.org", "trainer", author=True)
    cid = candidate_id(site.upload(author, make_zip({f"content/{k}": v for k, v in _with_rest_module().items()})))
    with site.app.app_context():
        assert api.candidate_files(db.session.get(Candidate, cid)) == _with_rest_module()


BAD_ZIPS = {
    "traversal": (make_zip({"content/../../x.md": b"x"}), "not a plain relative path"),
    "traversal inside": (make_zip({"modules/m/../../../etc/x.md": b"x"}), "not a plain relative path"),
    "absolute": (make_zip({"/etc/cron.d/x.md": b"x"}), "absolute path"),
    "drive": (make_zip({"C:/x/index.md": b"x"}), "absolute path"),
    "backslash": (make_zip({"modules\\..\\..\\x.md": b"x"}), "backslash"),
    "dotfile": (make_zip({"modules/m/index.md": GOOD_LESSON, "modules/m/.htaccess.md": b"x"}), "hidden file"),
    "type": (make_zip({"modules/m/index.md": GOOD_LESSON, "modules/m/run.sh": b"rm -rf /"}), "not allowed"),
    "outside the tree": (make_zip({"courses/sample.md": b"x", "secrets.md": b"x"}), "outside the content tree"),
    "symlink": (
        make_zip({"modules/m/index.md": GOOD_LESSON}, links={"modules/m/images/p.png": "/etc/passwd"}),
        "is a link",
    ),
    "too many files": (make_zip({f"modules/m/images/{i}.png": b"x" for i in range(61)}), "more than 60 files"),
    "not a zip": (b"PK\x03\x04 this is not really a zip", "not a .zip"),
}


@pytest.mark.parametrize("case", list(BAD_ZIPS))
def test_the_upload_refuses_dangerous_or_oversized_archives_before_unpacking(site, case):
    data, message = BAD_ZIPS[case]
    author = site.person("author@example.org", "trainer", author=True)
    response = site.upload(author, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert site.candidates() == 0


def test_an_archive_over_the_size_limit_is_refused(site):
    author = site.person("author@example.org", "trainer", author=True)
    big = make_zip(
        {"modules/m/index.md": GOOD_LESSON, "modules/m/images/a.png": os.urandom(2 * 1024 * 1024 + 10)}, stored=True
    )
    response = site.upload(author, big)
    assert response.status_code == 422 and "larger than 2 MB" in response.get_data(as_text=True)
    assert site.upload(author, os.urandom(4 * 1024 * 1024)).status_code == 413  # far over: never read at all
    assert site.candidates() == 0


def test_a_zip_bomb_is_refused_by_its_declared_size(site):
    author = site.person("author@example.org", "trainer", author=True)
    bomb = make_zip({"modules/m/index.md": GOOD_LESSON, "modules/m/images/a.png": b"\0" * (3 * 1024 * 1024)})
    assert len(bomb) < 20_000
    response = site.upload(author, bomb)
    assert response.status_code == 422 and "larger than 1 MB" in response.get_data(as_text=True)
    assert site.candidates() == 0


def test_a_zip_bomb_that_lies_about_its_size_is_refused_while_unpacking(site):
    author = site.person("author@example.org", "trainer", author=True)
    bomb = bytearray(make_zip({"modules/m/index.md": GOOD_LESSON, "modules/m/images/a.png": b"\0" * (900 * 1024)}))
    # Claim 100 bytes for the image in both its local header and the central directory.
    local = bomb.index(b"PK\x03\x04", bomb.index(b"modules/m/images/a.png") - 40)
    bomb[local + 22 : local + 26] = (100).to_bytes(4, "little")
    central = bomb.index(
        b"PK\x01\x02" + bytes(bomb[bomb.index(b"PK\x01\x02") + 4 : bomb.index(b"PK\x01\x02") + 4]),
        bomb.rindex(b"modules/m/index.md") + 1,
    )
    bomb[central + 24 : central + 28] = (100).to_bytes(4, "little")
    response = site.upload(author, bytes(bomb))
    assert response.status_code == 422
    assert "cannot be unpacked" in response.get_data(as_text=True) or "more than it declares" in response.get_data(
        as_text=True
    )
    assert site.candidates() == 0


# -- the checker's errors at their file and line ----------------------------------------------


def test_the_checkers_errors_are_listed_at_their_file_and_line_and_link_to_it(site):
    author = site.person("author@example.org", "trainer", author=True)
    cid = candidate_id(site.upload(author, make_zip({"rest/index.md": LESSON_WITH_ERROR}), "rest.zip"))
    page = author.get(f"/publishing/candidates/{cid}/").get_data(as_text=True)
    # With the browser editor installed (publishing.edit), each error opens the editor at its line.
    link = f"/publishing/candidates/{cid}/edit/modules/rest/index.md#L3"
    assert f'<a href="{link}">modules/rest/index.md:3</a>: ' in page and "minutes" in page
    assert "cannot be previewed or published" in page and "Publish to every trainee" not in page
    source = author.get(f"/publishing/candidates/{cid}/files/modules/rest/index.md").get_data(as_text=True)
    assert re.search(r'<li id="L3" class="source-problem"><code>minutes: ten</code>', source)


# -- impact ----------------------------------------------------------------------------------


def test_the_impact_counts_trainees_who_lose_completion_certificates_and_open_attempts(site):
    author = site.person("author@example.org", "trainer", author=True)
    done = [site.person(f"done{i}@example.org") for i in range(3)]
    for client in done:
        pass_everything(site.app, client, client.user_id)
    assert claim(done[0]).status_code == 302  # one issued certificate
    started = site.person("started@example.org")
    started.get("/courses/sample/safety/")
    post(
        started,
        "/courses/sample/safety/roleplay/quick-check/start",
        page="/courses/sample/safety/roleplay/quick-check/",
    )
    files = _with_rest_module()
    files["modules/safety/quick-check.quiz.md"] = files["modules/safety/quick-check.quiz.md"].replace(
        b"Where do you stand?", b"Where will you stand?"
    )
    cid = candidate_id(site.upload(author, make_zip(files)))
    page = author.get(f"/publishing/candidates/{cid}/").get_data(as_text=True)
    assert 'Module <strong>Looking After Yourself</strong> <span class="mono">(rest)</span>: added' in page
    assert "modules added: rest" in page
    assert "3 trainees who completed Sample Course will show 2 of 3; 1 issued certificate is unaffected." in page
    # With the browser editor installed (publishing.edit), a changed file opens in the editor.
    assert f'Added: <a class="mono" href="/publishing/candidates/{cid}/edit/modules/rest/index.md">' in page
    assert 'Changed: <a class="mono"' in page and "courses/sample.md</a>" in page
    assert (
        "“Quick safety check” is changed: 1 open attempt stays on the version it started with; "
        "new attempts use the new version."
    ) in page


def test_removing_a_module_from_a_course_takes_completion_from_nobody(site):
    author = site.person("author@example.org", "trainer", author=True)
    reader = site.person("reader@example.org")
    pass_everything(site.app, reader, reader.user_id)
    files = _tree()
    files["courses/sample.md"] = (
        files["courses/sample.md"]
        .replace(b"modules: [listening, safety]", b"modules: [safety]")
        .replace(b"hours: {mentoring: 2, ethics: 1}", b"hours: {ethics: 1}")
    )
    cid = candidate_id(site.upload(author, make_zip(files)))
    page = author.get(f"/publishing/candidates/{cid}/").get_data(as_text=True)
    assert "modules removed: listening" in page
    assert (
        "Sample Course: no trainee&#39;s completion changes (1 trainee started it); no certificates have been issued"
        in page
    )


# -- private preview -------------------------------------------------------------------------


def test_preview_shows_the_candidate_to_its_author_only_and_records_nothing(site):
    author = site.person("author@example.org", "trainer", author=True)
    trainee = site.person("trainee@example.org")
    cid = candidate_id(site.upload(author, make_zip({k: v for k, v in _with_rest_module().items()})))
    response = post(author, f"/publishing/candidates/{cid}/preview", page=f"/publishing/candidates/{cid}/")
    assert response.status_code == 302
    course = author.get("/courses/sample/").get_data(as_text=True)
    assert "Looking After Yourself" in course and "Stop previewing" in course
    assert f"previewing candidate #{cid}" in course
    lesson = author.get(REST)
    assert lesson.status_code == 200 and "Rest well." in lesson.get_data(as_text=True)
    # Meanwhile, a trainee in another browser sees the live course, and cannot open the new lesson.
    assert "Looking After Yourself" not in trainee.get("/courses/sample/").get_data(as_text=True)
    assert trainee.get(REST).status_code == 404
    # Role-plays run in practice mode from the session: no attempt, no step, no progress row.
    intro = "/courses/sample/safety/roleplay/quick-check/"
    started = post(author, intro + "start", page=intro)
    assert started.status_code == 303 and started.location.endswith("/publishing/practice/sample/safety/quick-check")
    scene = author.get(started.location).get_data(as_text=True)
    assert "A peer is pacing near the door" in scene
    for choice in ("1", "1", "1"):
        scene_id = re.search(
            r'name="scene" value="([^"]+)"', author.get(started.location).get_data(as_text=True)
        ).group(1)
        post(author, started.location, {"scene": scene_id, "choice": choice}, page=started.location)
    result = author.get(started.location).get_data(as_text=True)
    assert "Score 6 of 6" in result and "a trainee would pass" in result
    finished = post(author, "/courses/sample/rest/finish", page=REST)
    assert finished.status_code == 303
    with site.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
        assert (
            db.session.scalar(
                select(func.count()).select_from(LessonProgress).where(LessonProgress.user_id == author.user_id)
            )
            == 0
        )
    stopped = post(author, "/publishing/preview/stop", {"candidate": cid}, page="/courses/sample/")
    assert stopped.location.endswith(f"/publishing/candidates/{cid}/")
    assert "Looking After Yourself" not in author.get("/courses/sample/").get_data(as_text=True)


def test_candidate_files_are_never_served_to_trainees_even_with_a_forged_preview(site):
    author = site.person("author@example.org", "trainer", author=True)
    files = _with_rest_module()
    files["modules/rest/images/secret.png"] = b"\x89PNG candidate image"
    cid = candidate_id(site.upload(author, make_zip(files)))
    with site.app.app_context():
        fingerprint = db.session.get(Candidate, cid).fingerprint
    trainee = site.person("trainee@example.org")
    with trainee.session_transaction() as session:
        session["preview"], session["preview_candidate"] = fingerprint, cid
    assert "Looking After Yourself" not in trainee.get("/courses/sample/").get_data(as_text=True)
    assert trainee.get(REST).status_code == 404
    assert trainee.get(REST + "images/secret.png").status_code == 404
    assert trainee.get(f"/publishing/candidates/{cid}/files/modules/rest/index.md").status_code == 403
    with trainee.session_transaction() as session:
        assert "preview" not in session


def test_a_trainer_whose_author_permission_is_removed_stops_previewing(site):
    author = site.person("author@example.org", "trainer", author=True)
    cid = candidate_id(site.upload(author, make_zip(_with_rest_module())))
    post(author, f"/publishing/candidates/{cid}/preview", page=f"/publishing/candidates/{cid}/")
    assert "Looking After Yourself" in author.get("/courses/sample/").get_data(as_text=True)
    with site.app.app_context():
        db.session.get(User, author.user_id).can_author = False
        db.session.commit()
    assert "Looking After Yourself" not in author.get("/courses/sample/").get_data(as_text=True)


# -- publish and roll back -------------------------------------------------------------------


def test_publish_serves_every_process_with_a_note_once_and_rollback_restores_the_old_version(site, app_factory):
    author = site.person("author@example.org", "trainer", author=True)
    trainee = site.person("trainee@example.org")
    before = site.live()
    cid = candidate_id(site.upload(author, make_zip(_with_rest_module())))
    response = post(
        author,
        f"/publishing/candidates/{cid}/publish",
        {"note": "A new module: Looking After Yourself."},
        page=f"/publishing/candidates/{cid}/",
    )
    assert response.status_code == 302
    assert "Looking After Yourself" in trainee.get("/courses/sample/").get_data(as_text=True)
    other = app_factory(CONTENT_DIR=str(site.root), CONTENT_CHECK_SECONDS=0)  # another process, even after a restart
    assert other.test_client().get(REST).status_code == 302  # the lesson exists there too (sign-in needed)
    assert "Looking After Yourself" in other.test_client().get("/courses/sample/").get_data(as_text=True)
    dashboard = trainee.get("/dashboard").get_data(as_text=True)
    assert "What's new" in dashboard and "A new module: Looking After Yourself." in dashboard
    assert "A new module" not in trainee.get("/dashboard").get_data(as_text=True), "shown once"
    with site.app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "content.published"))
        assert event.details["candidate"] == cid and event.details["note"] == "A new module: Looking After Yourself."
        assert event.actor is not None and event.subject.startswith("content:")
    versions = author.get("/publishing/").get_data(as_text=True)
    assert "Roll back to this version" in versions
    rolled = post(author, f"/publishing/versions/{before}/rollback", page="/publishing/")
    assert rolled.status_code == 302 and site.live() == before
    assert "Looking After Yourself" not in trainee.get("/courses/sample/").get_data(as_text=True)
    with site.app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "content.rolled_back")
            )
            == 1
        )


def test_a_candidate_with_errors_cannot_be_published(site):
    author = site.person("author@example.org", "trainer", author=True)
    before = site.live()
    cid = candidate_id(site.upload(author, make_zip({"rest/index.md": LESSON_WITH_ERROR}), "rest.zip"))
    post(author, f"/publishing/candidates/{cid}/publish", page=f"/publishing/candidates/{cid}/")
    assert site.live() == before


# -- permissions -----------------------------------------------------------------------------


def _publishing_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("publishing.") and rule.endpoint != "publishing.webhook":
            values = {
                arg: {"candidate_id": 1, "path": "courses/sample.md", "fingerprint": "0" * 64}.get(arg, "sample")
                for arg in rule.arguments
            }
            yield rule, rule.build(values)[1]


def test_every_publishing_route_refuses_a_trainer_without_the_author_permission(site):
    author = site.person("author@example.org", "trainer", author=True)
    candidate_id(site.upload(author, make_zip({"rest/index.md": GOOD_LESSON}), "rest.zip"))
    grader = site.person("grader@example.org", "trainer")
    trainee = site.person("trainee@example.org")
    routes = list(_publishing_routes(site.app))
    assert len(routes) >= 10
    for client in (grader, trainee):
        token = csrf_token(client, "/dashboard")
        for rule, url in routes:
            response = client.get(url) if "GET" in rule.methods else client.post(url, data={"csrf_token": token})
            assert response.status_code == 403, (url, response.status_code)
    anonymous = site.app.test_client()
    for rule, url in routes:
        if "GET" in rule.methods:
            assert anonymous.get(url).status_code == 302  # to the sign-in page
    assert site.candidates() == 1 and "Publish</a>" not in grader.get("/dashboard").get_data(as_text=True)


def test_an_admin_grants_and_removes_the_author_permission_on_the_account_page(site):
    admin = site.person("admin@example.org", "admin")
    grader = site.person("grader@example.org", "trainer")
    page = f"/admin/users/{grader.user_id}"
    assert grader.get("/publishing/").status_code == 403
    post(admin, page, {"form": "author", "author-reason": "Writes the ethics module"}, page=page)
    assert grader.get("/publishing/").status_code == 200
    post(admin, page, {"form": "author", "author-reason": "Left the curriculum team"}, page=page)
    assert grader.get("/publishing/").status_code == 403
    with site.app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("user.author%"))).all()
    assert actions == ["user.author_granted", "user.author_removed"]


# -- git and the webhook ---------------------------------------------------------------------


def git_repository(tmp_path: Path, title: str = "Sample Course from git") -> Path:
    """A local git repository holding the test content under content/, plus files that are not content."""
    repo = tmp_path / "repo"
    shutil.copytree(TEST_CONTENT, repo / "content")
    course = repo / "content/courses/sample.md"
    course.write_text(course.read_text().replace("title: Sample Course", f"title: {title}", 1))
    (repo / "README.md").write_text("How to edit the course.\n")
    (repo / "content/modules/listening/images/passwd.png").symlink_to("/etc/passwd")
    git = ["git", "-c", "user.name=Author", "-c", "user.email=author@example.org", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Content"], check=True)
    return repo


def test_fetch_from_a_local_git_repository_makes_a_candidate_and_leaves_links_out(app_factory, tmp_path):
    repo = git_repository(tmp_path)
    site = Site(stored(app_factory(CONTENT_REPO=str(repo), CONTENT_BRANCH="main", **LIMITS)), TEST_CONTENT)
    author = site.person("author@example.org", "trainer", author=True)
    assert "Fetch from git" in author.get("/publishing/").get_data(as_text=True)
    response = post(author, "/publishing/fetch", page="/publishing/")
    cid = candidate_id(response)
    with site.app.app_context():
        candidate = db.session.get(Candidate, cid)
        files = api.candidate_files(candidate)
        assert candidate.source == "git" and candidate.error_count == 0
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        assert candidate.origin.endswith(f"at {commit[:12]}")
    assert files["courses/sample.md"].startswith(b"---\ntitle: Sample Course from git")
    assert "modules/listening/images/passwd.png" not in files and "README.md" not in files
    assert set(files) == set(_tree()) and site.live() != candidate.fingerprint  # fetched, not published
    page = author.get(f"/publishing/candidates/{cid}/").get_data(as_text=True)
    assert "Sample Course from git" in page and "changed" in page
    again = post(author, "/publishing/fetch", page="/publishing/")
    assert candidate_id(again) == cid, "the same commit gives the same candidate"


def test_a_git_fetch_that_fails_says_why_and_makes_nothing(app_factory, tmp_path):
    site = Site(app_factory(CONTENT_REPO=str(tmp_path / "missing"), **LIMITS), TEST_CONTENT)
    author = site.person("author@example.org", "trainer", author=True)
    response = post(author, "/publishing/fetch", page="/publishing/", follow_redirects=True)
    assert "git could not fetch" in response.get_data(as_text=True) and site.candidates() == 0


def _signed(secret: str, body: bytes) -> dict:
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }


def test_the_webhook_refuses_a_bad_signature_and_never_publishes(app_factory, tmp_path):
    repo = git_repository(tmp_path)
    app = stored(
        app_factory(CONTENT_REPO=str(repo), CONTENT_BRANCH="main", CONTENT_WEBHOOK_SECRET="s3cret-webhook-value")
    )
    site = Site(app, TEST_CONTENT)
    before = site.live()
    client = app.test_client()
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    assert client.post("/publishing/webhook", data=body, headers=_signed("wrong", body)).status_code == 403
    assert (
        client.post("/publishing/webhook", data=body, headers={"Content-Type": "application/json"}).status_code == 403
    )
    assert client.post("/publishing/webhook", data=body, headers={"X-Hub-Signature-256": "sha256=é"}).status_code == 403
    assert site.candidates() == 0
    other = json.dumps({"ref": "refs/heads/feature"}).encode()
    assert (
        client.post("/publishing/webhook", data=other, headers=_signed("s3cret-webhook-value", other)).status_code
        == 202
    )
    response = client.post("/publishing/webhook", data=body, headers=_signed("s3cret-webhook-value", body))
    assert response.status_code == 201 and response.get_json()["fetched"] is True
    assert site.candidates() == 1 and site.live() == before, "a push fetches a candidate; it never publishes"


def test_the_webhook_is_off_without_a_secret(app_factory, tmp_path):
    app = app_factory(CONTENT_REPO=str(git_repository(tmp_path)))
    body = b"{}"
    assert app.test_client().post("/publishing/webhook", data=body, headers=_signed("", body)).status_code == 404


def test_a_lesson_view_without_a_preview_asks_the_database_nothing_more(site):
    trainee = site.person("trainee@example.org")
    author = site.person("author@example.org", "trainer", author=True)
    candidate_id(site.upload(author, make_zip(_with_rest_module())))
    lesson = "/courses/sample/safety/"
    trainee.get(lesson)  # the first view records progress; a view within a minute reads only
    statements = []
    with site.app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert trainee.get(lesson).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    # The page's own hot reads (the signed-in user, the lesson's progress, its passed and pending role-plays)
    # and the check for a newer live version (every CONTENT_CHECK_SECONDS: 0 here); nothing about candidates.
    hot = ("FROM user", "FROM lesson_progress", "FROM attempt", "FROM content_version")
    # (PostgreSQL quotes the table named user.)
    assert [s for s in statements if s != "BEGIN" and not any(table in s.replace('"', "") for table in hot)] == [], (
        statements
    )
    assert not [s for s in statements if "candidate" in s or "publication" in s], statements


def test_the_webhook_is_rate_limited(app_factory, tmp_path):
    app = app_factory(
        CONTENT_REPO=str(tmp_path / "missing"),
        CONTENT_WEBHOOK_SECRET="s3cret-webhook-value",
        RATELIMIT_ENABLED=True,
        CONTENT_WEBHOOK_RATE_LIMIT="2 per minute",
    )
    client = app.test_client()
    codes = [
        client.post("/publishing/webhook", data=b"{}", headers=_signed("wrong", b"{}")).status_code for _ in range(3)
    ]
    assert codes == [403, 403, 429]


def test_a_practice_route_from_before_an_edit_starts_again_rather_than_failing(site):
    author = site.person("author@example.org", "trainer", author=True)
    cid = candidate_id(site.upload(author, make_zip(_with_rest_module())))
    post(author, f"/publishing/candidates/{cid}/preview", page=f"/publishing/candidates/{cid}/")
    practice = "/publishing/practice/sample/safety/quick-check"
    with author.session_transaction() as session:
        session["preview_practice"] = {"quiz": "safety/quick-check", "steps": [["space", 7], ["gone", None]]}
    page = author.get(practice)
    assert page.status_code == 200 and "A peer is pacing near the door" in page.get_data(as_text=True)


def test_a_fetch_never_shows_the_token_and_never_runs_a_command_transport(app_factory, tmp_path):
    marker = tmp_path / "ran"
    for repo in ("https://127.0.0.1:1/content.git", f"ext::sh -c touch% {marker}"):
        site = Site(app_factory(CONTENT_REPO=repo, CONTENT_REPO_TOKEN="tok-SECRET-4242", **LIMITS), TEST_CONTENT)
        author = site.person(f"author{len(repo)}@example.org", "trainer", author=True)
        page = post(author, "/publishing/fetch", page="/publishing/", follow_redirects=True).get_data(as_text=True)
        assert "git could not fetch" in page and "tok-SECRET-4242" not in page
        assert site.candidates() == 0
    assert not marker.exists()


def test_a_module_zip_replaces_that_module_and_the_impact_names_the_removed_role_play(site):
    author = site.person("author@example.org", "trainer", author=True)
    trainee = site.person("trainee@example.org")
    intro = "/courses/sample/safety/roleplay/quick-check/"
    post(trainee, intro + "start", page=intro)
    lesson = (TEST_CONTENT / "modules/safety/index.md").read_bytes()
    cid = candidate_id(site.upload(author, make_zip({"safety/index.md": lesson}), "safety.zip"))
    with site.app.app_context():
        files = api.candidate_files(db.session.get(Candidate, cid))
    assert "modules/safety/quick-check.quiz.md" not in files and files["modules/safety/index.md"] == lesson
    assert files["modules/listening/index.md"] == (TEST_CONTENT / "modules/listening/index.md").read_bytes()
    page = author.get(f"/publishing/candidates/{cid}/").get_data(as_text=True)
    assert (
        'Role-play <strong>Quick safety check</strong> <span class="mono">(safety/quick-check)</span>: removed' in page
    )
    assert "“Quick safety check” is removed: 1 open attempt stays on the version it started with" in page


def test_a_stored_version_that_no_longer_passes_the_check_is_not_rolled_back_to(site):
    author = site.person("author@example.org", "trainer", author=True)
    before = site.live()
    broken = {**_tree(), "modules/safety/quick-check.quiz.md": b"---\ntitle: Q\n---\n## a\n- x -> nowhere\n  +1\n"}
    fingerprint, archive = pack(broken)
    with site.app.app_context():
        db.session.add(ContentVersion(fingerprint=fingerprint, archive=archive, active=False))
        db.session.commit()
    response = post(author, f"/publishing/versions/{fingerprint}/rollback", page="/publishing/", follow_redirects=True)
    assert "no longer passes the check" in response.get_data(as_text=True)
    assert site.live() == before and site.app.test_client().get("/courses/sample/").status_code == 200


def test_practice_can_start_from_any_scene(site):
    author = site.person("author@example.org", "trainer", author=True)
    cid = candidate_id(site.upload(author, make_zip(_with_rest_module())))
    post(author, f"/publishing/candidates/{cid}/preview", page=f"/publishing/candidates/{cid}/")
    practice = "/publishing/practice/sample/safety/quick-check"
    page = author.get(practice + "?from=threat").get_data(as_text=True)
    assert "The peer says they feel unsafe" in page and "pacing near the door" not in page
    post(author, practice, {"scene": "threat", "choice": "0"}, page=practice)
    result = author.get(practice).get_data(as_text=True)
    assert "a critical choice, so a trainee would not pass" in result
    assert "pacing near the door" in author.get(practice + "?from=no-such-scene").get_data(as_text=True)


def test_an_upload_without_a_file_re_renders_the_form_with_a_message(site):
    author = site.person("author@example.org", "trainer", author=True)
    response = post(author, "/publishing/upload", page="/publishing/")
    assert response.status_code == 422 and "Choose a .zip file to upload." in response.get_data(as_text=True)
