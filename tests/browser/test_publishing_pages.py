"""The publishing pages in real Chromium: axe-core and the Nu Html Checker find nothing, nothing scrolls
sideways at 360 px, and the author's preview (banner, lesson, practice role-play) is as accessible as the rest."""

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

from test_accessibility import VNU, check_page, need_tools, sign_in

from helpers import PASSWORD, TEST_CONTENT


def shoot(page, shots_dir: Path, name: str) -> None:
    """Screenshots at 360 and 1280 px wide, for people to look at."""
    page.screenshot(path=str(shots_dir / f"{name}-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shots_dir / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})


REST = b"---\ntitle: Looking After Yourself\nminutes: 10\n---\n# Looking after yourself\n\nRest well.\n"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_publishing_pages_are_accessible(serve, browser, tmp_path_factory):
    need_tools()
    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    html_dir = tmp_path_factory.mktemp("html")
    shots_dir = Path(os.environ.get("LMS_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    shots_dir.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        from lms.auth.operations import create_user
        from lms.extensions import db

        author = create_user("author@example.org", PASSWORD, "Alex", "Alex Author", role="trainer")
        author.can_author = True
        db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, base, "author@example.org")
    findings: list[str] = []
    check_page(page, "publishing", base + "/publishing/", html_dir, shots_dir, findings)
    upload = tmp_path_factory.mktemp("zips")
    (upload / "rest.zip").write_bytes(_zip({"rest/index.md": REST.replace(b"minutes: 10", b"minutes: ten")}))
    page.goto(base + "/publishing/")
    page.get_by_label("A .zip of one module folder").set_input_files(str(upload / "rest.zip"))
    page.get_by_role("button", name="Upload").click()
    check_page(page, "candidate-errors", page.url, html_dir, shots_dir, findings)
    shoot(page, shots_dir, "publishing-candidate-errors")
    page.get_by_role("link", name="modules/rest/index.md:3").click()
    check_page(page, "candidate-file", page.url.split("#")[0], html_dir, shots_dir, findings)
    course = (
        (TEST_CONTENT / "courses/sample.md").read_bytes().replace(b"[listening, safety]", b"[listening, safety, rest]")
    )
    tree = {p.relative_to(TEST_CONTENT).as_posix(): p.read_bytes() for p in TEST_CONTENT.rglob("*") if p.is_file()}
    (upload / "content.zip").write_bytes(_zip({**tree, "courses/sample.md": course, "modules/rest/index.md": REST}))
    page.goto(base + "/publishing/")
    page.get_by_label("A .zip of one module folder").set_input_files(str(upload / "content.zip"))
    page.get_by_role("button", name="Upload").click()
    check_page(page, "candidate", page.url, html_dir, shots_dir, findings)
    shoot(page, shots_dir, "publishing-candidate")
    page.get_by_role("button", name="Preview as a trainee").click()
    check_page(page, "preview-course", page.url, html_dir, shots_dir, findings)
    check_page(page, "preview-lesson", base + "/courses/sample/rest/", html_dir, shots_dir, findings)
    shoot(page, shots_dir, "publishing-preview-lesson")
    page.goto(base + "/courses/sample/safety/roleplay/quick-check/")
    page.get_by_role("button", name="Start the role-play").click()
    check_page(page, "practice-scene", page.url, html_dir, shots_dir, findings)
    for label in ["To one side", "Lower your voice", "Thank you for telling me"]:
        page.locator("label", has_text=label).click()
        page.get_by_role("button", name="Continue").click()
    check_page(page, "practice-result", page.url, html_dir, shots_dir, findings)
    page.get_by_role("button", name="Stop previewing").click()
    context.close()
    vnu = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *sorted(map(str, html_dir.glob("*.html")))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    for message in json.loads(vnu.stderr or '{"messages": []}')["messages"]:
        findings.append(f"vnu {Path(message.get('url', '')).name}:{message.get('lastLine')}: {message['message']}")
    assert findings == [], "\n".join(findings)
