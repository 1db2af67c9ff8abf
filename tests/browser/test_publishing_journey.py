"""Issue #20's done-when, in real Chromium: a trainer with the author permission uploads a zip that adds a
module with an error, sees the error at its line, fixes it in the browser editor, sees the impact, previews
the new module privately while a trainee in another browser still sees the old course, publishes, and rolls back."""

import re
import shutil
import zipfile

from test_accessibility import sign_in

from helpers import PASSWORD, TEST_CONTENT

NEW_TITLE = "Looking After Yourself"
BROKEN_LESSON = f"---\ntitle: {NEW_TITLE}\nminutes: ten\n---\n# {NEW_TITLE}\n\nRest is part of the work.\n"
FIXED_LESSON = BROKEN_LESSON.replace("minutes: ten", "minutes: 20")


def content_zip(tmp_path):
    """The whole test content, with a new module (whose lesson has an error on line 3) added to the course."""
    path = tmp_path / "content.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(TEST_CONTENT.rglob("*")):
            if file.is_file():
                name = file.relative_to(TEST_CONTENT).as_posix()
                data = file.read_bytes()
                if name == "courses/sample.md":
                    data = data.replace(b"modules: [listening, safety]", b"modules: [listening, safety, rest]")
                archive.writestr(f"content/{name}", data)
        archive.writestr("content/modules/rest/index.md", BROKEN_LESSON)
    return path


def people(app):
    from lms.auth.operations import create_user
    from lms.extensions import db

    with app.app_context():
        author = create_user("author@example.org", PASSWORD, "Avery", "Avery Author", role="trainer")
        author.can_author = True
        create_user("trainee@example.org", PASSWORD, "Robin", "Robin Quinn", privacy_accepted=True)
        db.session.commit()


def course_modules(page, base):
    page.goto(base + "/courses/sample/")
    return page.locator("main").inner_text()


def test_publishing_journey(serve, browser, page, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    app = serve(root)
    base = app.config["LIVE_URL"]
    people(app)
    trainee_context = browser.new_context(viewport={"width": 390, "height": 844})
    trainee = trainee_context.new_page()
    trainee.set_default_timeout(15_000)
    sign_in(trainee, base, "trainee@example.org")
    assert NEW_TITLE not in course_modules(trainee, base)

    # Upload: the candidate's check shows the error at its file and line.
    sign_in(page, base, "author@example.org")
    page.goto(base + "/staff/content/")
    page.get_by_role("link", name="Publish content").first.click()
    page.get_by_label("A .zip of one module folder").set_input_files(str(content_zip(tmp_path)))
    page.get_by_role("button", name="Upload").click()
    assert re.search(r"/publishing/candidates/\d+/$", page.url)
    assert "1 error: this candidate cannot be previewed or published" in page.content()
    error_link = page.get_by_role("link", name="modules/rest/index.md:3")
    assert error_link.is_visible()

    # The link opens the editor at that line; the line shows the message.
    error_link.click()
    assert "/edit/modules/rest/index.md#L3" in page.url
    line = page.locator("#L3")
    assert "minutes: ten" in line.inner_text() and "must be a whole number" in line.inner_text()
    page.get_by_role("link", name="Line 3").click()
    assert page.evaluate("document.activeElement.id") == "text", "the error link puts the cursor in the text box"
    page.get_by_label("Text of modules/rest/index.md").fill(FIXED_LESSON)
    page.get_by_role("button", name="Check and preview").click()
    assert "The check finds no error in this file" in page.content()
    assert page.locator(".editor-preview").get_by_text("Rest is part of the work.").is_visible()
    page.get_by_role("button", name="Save").click()
    assert "The check finds no error in it." in page.content()

    # The impact summary, then a private preview.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=re.compile(r"Candidate #\d+")).click()
    assert "The candidate passes the check" in page.content()
    impact = page.locator("main").inner_text()
    assert "What publishing changes" in impact and NEW_TITLE in impact and "modules added: rest" in impact
    page.get_by_role("button", name="Preview as a trainee").click()
    assert "You are previewing candidate" in page.content()
    assert NEW_TITLE in course_modules(page, base)
    page.goto(base + "/courses/sample/rest/")
    assert page.get_by_role("heading", name=NEW_TITLE, level=1).is_visible()
    assert NEW_TITLE not in course_modules(trainee, base), "the trainee still sees the live course"

    # Publish with a note: the trainee sees the module.
    page.get_by_role("button", name="Stop previewing").click()
    page.get_by_label("What's new (optional)").fill(f"A new module, {NEW_TITLE}.")
    page.get_by_role("button", name="Publish to every trainee").click()
    assert "Published: every trainee now sees this version." in page.content()
    assert NEW_TITLE in course_modules(trainee, base)

    # Roll back to the version before: the module is gone again.
    page.get_by_role("button", name="Roll back to this version").first.click()
    assert "Rolled back" in page.content()
    assert NEW_TITLE not in course_modules(trainee, base)
    trainee_context.close()
