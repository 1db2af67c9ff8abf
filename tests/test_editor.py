"""The browser editor (issue #20): check by line, preview, saves to the candidate (and git), images, template."""

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content import content_state
from lms.extensions import db
from lms.publishing import api
from lms.publishing.editing import check_files, new_module
from lms.publishing.models import Candidate, Source

from helpers import PASSWORD, TEST_CONTENT, post

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
LESSON = "modules/listening/index.md"
BROKEN = "---\ntitle: Listening\nminutes: ten\n---\n# Listening\n\nText.\n"


def author_client(app, make_user, author=True, email=None):
    user = make_user(role="trainer", email=email, display_name="Robin Author")
    user.can_author = author
    db.session.commit()
    client = app.test_client()
    post(client, "/account/login", {"email": user.email, "password": PASSWORD})
    return client, user


@pytest.fixture
def author(app, make_user):
    # The live version stored, as after start-up (on PostgreSQL the fixtures empty the tables after the app started).
    content_state().load_disk()
    db.session.commit()
    return author_client(app, make_user)


@pytest.fixture
def candidate(app, author):
    found = api.create_candidate(
        api.live_files(), based_on=api.live_fingerprint(), source=Source.EDITOR, user=author[1]
    )
    db.session.commit()
    return found


def edit_url(candidate, path=LESSON):
    return f"/publishing/candidates/{candidate.id}/edit/{path}"


def base_of(client, url):
    """The version of the file the editor page was loaded with (its hidden 'base' field)."""
    return re.search(r'name="base" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def save(client, url, text):
    return post(client, url, {"text": text, "action": "save", "base": base_of(client, url)}, page=url)


def files_of(candidate_id):
    db.session.expire_all()
    return api.candidate_files(db.session.get(Candidate, candidate_id))


def test_check_lists_each_error_at_its_line_with_a_link_and_saves_nothing(author, candidate):
    client, _ = author
    before = files_of(candidate.id)[LESSON]
    response = post(client, edit_url(candidate), {"text": BROKEN, "action": "check"}, page=edit_url(candidate))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<a href="#L3" data-line="3">Line 3</a>: &#39;minutes&#39; must be a whole number' in html
    assert re.search(
        r'<li id="L3" class="editor-problem-line"><code>minutes: ten</code>\s*<p class="error-message">', html
    )
    assert "(checked, not saved)" in html
    assert files_of(candidate.id)[LESSON] == before


def test_the_preview_is_the_rendered_and_sanitised_markdown(author, candidate):
    client, _ = author
    text = "---\ntitle: Listening\n---\n# Listening\n\nSome **bold** words.<script>alert(1)</script>\n"
    html = post(client, edit_url(candidate), {"text": text, "action": "check"}, page=edit_url(candidate)).get_data(
        as_text=True
    )
    preview = html[html.index('id="preview-heading"') : html.index('id="lines"')]
    assert "<strong>bold</strong>" in preview and "<script>alert(1)" not in html


def test_a_role_play_preview_shows_its_scenes(author, candidate):
    client, _ = author
    path = "modules/listening/first-visit.quiz.md"
    html = client.get(edit_url(candidate, path)).get_data(as_text=True)
    assert "Sam&#39;s first visit" in html or "Sam's first visit" in html
    assert "It sounds like you" in html[html.index('id="preview-heading"') :]


def test_save_goes_to_the_candidate_never_live(app, author, candidate):
    client, _ = author
    response = save(client, edit_url(candidate), BROKEN)
    assert (response.status_code, response.location) == (302, edit_url(candidate))
    assert files_of(candidate.id)[LESSON] == BROKEN.encode()
    saved = db.session.get(Candidate, candidate.id)
    assert [(p["path"], p["line"]) for p in saved.problems if p["path"] == LESSON] == [(LESSON, 3)]
    assert (TEST_CONTENT / LESSON).read_text() != BROKEN
    assert api.live_files()[LESSON] != BROKEN.encode()
    html = client.get(edit_url(candidate)).get_data(as_text=True)
    assert '<a href="#L3" data-line="3">Line 3</a>' in html


def test_a_save_over_someone_elses_newer_save_is_refused_with_the_text_kept(app, make_user, author, candidate):
    first, _ = author
    second, _ = author_client(app, make_user, email="second@example.org")
    url = edit_url(candidate)
    stale = base_of(first, url)
    assert save(second, url, BROKEN).status_code == 302
    mine = "---\ntitle: Mine\n---\nMy text.\n"
    response = post(first, url, {"text": mine, "action": "save", "base": stale}, page=url)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone saved this file after you opened it" in html and "My text." in html
    assert files_of(candidate.id)[LESSON] == BROKEN.encode()
    assert save(first, url, mine).status_code == 302, "saving again, having seen the warning, replaces theirs"
    assert files_of(candidate.id)[LESSON] == mine.encode()


def git_repository(tmp_path: Path) -> Path:
    repo = tmp_path / "content-repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    for path in sorted(TEST_CONTENT.rglob("*")):
        if path.is_file():
            target = repo / "content" / path.relative_to(TEST_CONTENT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    env = ["-c", "user.name=Setup", "-c", "user.email=setup@example.org"]
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "commit", "-q", "-m", "Initial content"], check=True)
    return repo


def test_with_a_local_git_repository_each_save_is_a_commit_by_the_trainer(app_factory, tmp_path, make_user):
    repo = git_repository(tmp_path)
    app = app_factory(CONTENT_REPO=str(repo))
    with app.app_context():
        content_state().load_disk()
        db.session.commit()
        client, user = author_client(app, make_user, email="robin@example.org")
        found = api.create_candidate(api.live_files(), based_on=api.live_fingerprint(), source=Source.EDITOR, user=user)
        db.session.commit()
        fixed = "---\ntitle: Listening, revised\nminutes: 20\n---\n# Listening\n\nText.\n"
        response = save(client, edit_url(found), fixed)
        assert response.status_code == 302
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%an|%ae|%s", "--name-only"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.startswith("Robin Author|robin@example.org|Edit modules/listening/index.md in the browser")
    assert "content/modules/listening/index.md" in log
    assert (repo / "content" / LESSON).read_text() == fixed


def upload(client, candidate, data, name="loop-2.png", alt="A loop: listen, reflect, check", extra=None):
    form = {"image": (BytesIO(data), name), "alt": alt, **(extra or {})}
    return post(
        client,
        f"/publishing/candidates/{candidate.id}/images/listening",
        form,
        page=edit_url(candidate),
        content_type="multipart/form-data",
    )


def test_an_image_with_alt_text_goes_into_the_module_and_the_snippet_is_shown(author, candidate):
    client, _ = author
    response = upload(client, candidate, PNG)
    assert response.status_code == 302
    assert files_of(candidate.id)["modules/listening/images/loop-2.png"] == PNG
    html = client.get(response.location).get_data(as_text=True)
    assert "![A loop: listen, reflect, check](images/loop-2.png)" in html
    served = client.get(edit_url(candidate, "modules/listening/images/loop-2.png"))
    assert (served.status_code, served.mimetype) == (200, "image/png")


@pytest.mark.parametrize("alt", ["", "   "])
def test_an_image_without_alt_text_is_refused(author, candidate, alt):
    client, _ = author
    response = upload(client, candidate, PNG, alt=alt)
    assert response.status_code == 422
    assert "Describe the image in the alt text" in response.get_data(as_text=True)
    assert "modules/listening/images/loop-2.png" not in files_of(candidate.id)


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "Only images can be uploaded here"),
        ("run.exe", b"MZ\x90\x00", "Only images can be uploaded here"),
        ("fake.png", b"<svg onload=alert(1)>", "The file is not a PNG image"),
        ("notes.md", b"# notes", "Only images can be uploaded here"),
    ],
)
def test_a_file_that_is_not_an_allowed_image_is_refused(author, candidate, name, data, message):
    client, _ = author
    before = files_of(candidate.id)
    response = upload(client, candidate, data, name=name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert files_of(candidate.id) == before


@pytest.mark.parametrize(
    "name", ["../../courses/evil.png", "..\\evil.png", "images/../../evil.png", ".hidden.png", "/etc/evil.png"]
)
@pytest.mark.parametrize("where", ["file name", "name field"])
def test_path_traversal_in_an_image_name_is_refused(author, candidate, name, where):
    client, _ = author
    before = files_of(candidate.id)
    if where == "file name":
        response = upload(client, candidate, PNG, name=name)
    else:
        response = upload(client, candidate, PNG, name="x.png", extra={"name": name})
    assert response.status_code == 422
    assert "may not contain folders" in response.get_data(as_text=True)
    assert files_of(candidate.id) == before


def test_an_image_over_the_size_limit_is_refused(app, author, candidate):
    app.config["EDITOR_IMAGE_MAX_BYTES"] = 100
    client, _ = author
    response = upload(client, candidate, PNG + b"\x00" * 200)
    assert response.status_code == 422 and "the most is" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "../courses/sample.md",
        "modules/listening/../../courses/x.md",
        "notes.txt",
        "modules/listening/run.py",
        "modules/listening/.secret.md",
        "%2e%2e/etc/passwd",
    ],
)
def test_path_traversal_and_other_files_in_the_editor_address_are_404(author, candidate, path):
    client, _ = author
    assert client.get(f"/publishing/candidates/{candidate.id}/edit/{path}").status_code == 404
    response = post(
        client,
        f"/publishing/candidates/{candidate.id}/edit/{path}",
        {"text": "x", "action": "save"},
        page=edit_url(candidate),
    )
    assert response.status_code == 404
    assert set(files_of(candidate.id)) == set(api.live_files())


def test_a_file_the_editor_does_not_edit_is_shown_read_only(author, candidate):
    client, _ = author
    response = client.get(edit_url(candidate, "competencies.yaml"))
    assert (response.status_code, response.location) == (
        302,
        f"/publishing/candidates/{candidate.id}/files/competencies.yaml",
    )


def test_a_trainer_without_the_author_permission_is_refused(app, make_user, candidate):
    client, _ = author_client(app, make_user, author=False)
    before = files_of(candidate.id)
    assert client.get(edit_url(candidate)).status_code == 403
    assert client.get(f"/publishing/candidates/{candidate.id}/edit/").status_code == 403
    assert post(client, edit_url(candidate), {"text": BROKEN, "action": "save"}, page="/dashboard").status_code == 403
    assert upload(client, candidate, PNG).status_code == 403
    assert (
        post(
            client, f"/publishing/candidates/{candidate.id}/new-module", {"slug": "x", "title": "X"}, page="/dashboard"
        ).status_code
        == 403
    )
    assert post(client, "/publishing/edit", page="/dashboard").status_code == 403
    assert client.get("/publishing/edit").status_code == 403
    assert files_of(candidate.id) == before


def test_the_template_module_passes_the_check(app, author, candidate):
    client, _ = author
    response = post(
        client,
        f"/publishing/candidates/{candidate.id}/new-module",
        {"slug": "looking-after-yourself", "title": "Looking After Yourself"},
        page=f"/publishing/candidates/{candidate.id}/edit/",
    )
    assert response.status_code == 302
    assert response.location == edit_url(candidate, "modules/looking-after-yourself/index.md")
    saved = db.session.get(Candidate, candidate.id)
    db.session.refresh(saved)
    assert saved.error_count == 0, saved.problems
    catalog = api.catalog_for(saved)
    module = catalog.module("looking-after-yourself")
    assert module.draft and module.assessments[0].title == "Role-play: Looking After Yourself"
    assert "WRITE HERE" in files_of(candidate.id)["modules/looking-after-yourself/index.md"].decode()


def test_a_template_module_that_exists_or_has_a_bad_name_is_refused_with_the_input_kept(author, candidate):
    client, _ = author
    for slug, message in [("listening", "There is already a module folder"), ("Bad Name", "must be lowercase")]:
        response = post(
            client,
            f"/publishing/candidates/{candidate.id}/new-module",
            {"slug": slug, "title": "T"},
            page=f"/publishing/candidates/{candidate.id}/edit/",
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html and f'value="{slug}"' in html


def test_the_template_passes_the_check_against_the_bundled_content_too():
    root = TEST_CONTENT.parent.parent / "content"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    problems = check_files({**files, **new_module(files, "self-care", 'Looking "after" yourself')})
    assert [str(p) for p in problems if "self-care" in p.path] == []


def test_start_editing_makes_a_candidate_of_the_live_files(app, author):
    client, _ = author
    assert 'href="/publishing/edit"' in client.get("/staff/content/").get_data(as_text=True)
    assert "There is no open candidate." in client.get("/publishing/edit").get_data(as_text=True)
    response = post(client, "/publishing/edit", page="/publishing/edit")
    assert response.status_code == 302
    found = db.session.scalar(select(Candidate).order_by(Candidate.id.desc()))
    assert response.location == f"/publishing/candidates/{found.id}/edit/"
    assert found.fingerprint == api.live_fingerprint()
    html = client.get(response.location).get_data(as_text=True)
    assert f'href="/publishing/candidates/{found.id}/edit/{LESSON}"' in html
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 1
    listed = client.get("/publishing/edit").get_data(as_text=True)
    assert f'<a href="/publishing/candidates/{found.id}/edit/">Edit candidate #{found.id}</a>' in listed
