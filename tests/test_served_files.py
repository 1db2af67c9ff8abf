"""Which files the app serves or reads: module assets (an allow-list of media types, checked on the
normalised real path), /assets/ (only the real static files), and the certificate PDF's URL fetcher.
Each test performs the attack as the security review did (findings F2, F11, F12, F16)."""

import io
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from lms.certificates.pdf import StaticOnlyFetcher, render_pdf
from lms.content.cli import content_cli
from lms.content.loader import check_content
from lms.content.versions import extract, snapshot

from helpers import PASSWORD, TEST_CONTENT, post, write_content

LESSON = "/courses/sample/listening/"
SECRET = b"SECRET-OUTSIDE-THE-MODULE"

#: Every spelling of a lesson source, answer key or grader's guide that must not be served.
NEVER_SERVED = [
    # the files themselves
    "index.md",
    "first-visit.quiz.md",
    "first-visit.guide.md",
    "notes.md",
    # F2: trailing slash, "/.", "//", "./" (the review's bypasses)
    "index.md/",
    "first-visit.quiz.md/",
    "first-visit.quiz.md/.",
    "first-visit.quiz.md//",
    "./first-visit.quiz.md",
    "first-visit.guide.md/",
    "index.md/.",
    "images/../first-visit.quiz.md",
    "images/./../index.md",
    "images//../index.md",
    ".//first-visit.quiz.md",
    # percent-encoded dots and slashes, including double encoding
    "first-visit.quiz.md%2f",
    "first-visit.quiz.md%2F",
    "first-visit.quiz.md%2f.",
    "%2e/first-visit.quiz.md",
    "first-visit.quiz.md%2f%2e",
    "%2e%2e/listening/index.md",
    "images%2f..%2findex.md",
    "first-visit.quiz.md%252f",
    "%2e%2e/%2e%2e/competencies.yaml",
    "..%2F..%2Fcourses%2Fsample.md",
    "../safety/index.md",
    # case
    "index.MD",
    "INDEX.md",
    "first-visit.Quiz.Md",
    "first-visit.QUIZ.MD",
    "first-visit.quiz.mD/",
    "Notes.Md",
    # backslashes and NUL
    "images\\..\\index.md",
    "images%5c..%5cindex.md",
    "first-visit.quiz.md\\",
    "first-visit.quiz.md%5c",
    "first-visit.quiz.md%00",
    "first-visit.quiz.md%00.png",
    "index.md%00/",
    # Windows-style names that some file systems fold onto the real file
    "index.md.",
    "index.md%20",
    "index.md::$DATA",
    # dotfiles, HTML, scripts and other types not on the allow-list
    ".hidden",
    "images/.secret.png",
    ".hidden/",
    "page.html",
    "page.HTML",
    "page.html/",
    "script.js",
    "script.js/",
    "notes.docx",
    "data.json",
    # symbolic links: to a Markdown file inside the folder, out of the folder, and even to an image
    "alias.png",
    "images/escape.png",
    "escape-dir/secret.png",
    "images/inside.png",
    # files that do not exist
    "images/missing.png",
    "images/",
    "images",
]


@pytest.fixture
def content(tmp_path):
    """The test content with a full module folder: allowed media, sources, and files that must not be served."""
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    folder = root / "modules/listening"
    (folder / "first-visit.guide.md").write_text("## reflect\n\nLook for a reflection of feeling.\n")
    (folder / "notes.md").write_text("trainer notes\n")
    (folder / ".hidden").write_text("hidden\n")
    (folder / "images/.secret.png").write_bytes(b"\x89PNG hidden")
    (folder / "page.html").write_text("<script>alert(1)</script>")
    (folder / "script.js").write_text("alert(1)")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / "data.json").write_text("{}")
    (folder / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (folder / "handout.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (folder / "captions.vtt").write_text("WEBVTT\n")
    (folder / "images/Photo.JPG").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(SECRET)
    os.symlink(folder / "index.md", folder / "alias.png")
    os.symlink(outside / "secret.png", folder / "images/escape.png")
    os.symlink(outside, folder / "escape-dir")
    os.symlink(folder / "images/loop.png", folder / "images/inside.png")
    return root


@pytest.fixture
def signed_in(app_factory, content, make_user):
    app = app_factory(CONTENT_DIR=str(content))
    client = app.test_client()
    with app.app_context():
        make_user(email="carol@example.org")
    post(client, "/account/login", {"email": "carol@example.org", "password": PASSWORD})
    return client


@pytest.mark.parametrize("spelling", NEVER_SERVED)
def test_module_folder_never_serves_sources_scripts_dotfiles_or_links_out_of_the_folder(signed_in, spelling):
    with signed_in.get(LESSON + spelling) as response:
        body = response.get_data()
    assert response.status_code == 404, (spelling, response.status_code, body[:80])
    assert SECRET not in body and b"points" not in body and b"reflection of feeling" not in body


@pytest.mark.parametrize(
    "name, mimetype",
    [
        ("images/loop.png", "image/png"),
        ("images/Photo.JPG", "image/jpeg"),
        ("handout.pdf", "application/pdf"),
        ("captions.vtt", "text/vtt"),
        ("drawing.svg", "image/svg+xml"),
    ],
)
def test_module_folder_serves_allowed_media_types(signed_in, name, mimetype):
    with signed_in.get(LESSON + name) as response:
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_svg_is_served_with_a_policy_that_forbids_its_scripts(signed_in):
    with signed_in.get(LESSON + "drawing.svg") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert response.headers.getlist("Content-Security-Policy") == [policy], "one policy, not the site's as well"


def test_module_assets_need_sign_in(app_factory, content):
    response = app_factory(CONTENT_DIR=str(content)).test_client().get(LESSON + "images/loop.png")
    assert response.status_code == 302 and "/account/login" in response.location


# -- /assets/ (F12) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "..%2f__init__.0000000000.py",
        "..%2f..%2fpyproject.0000000000.toml",
        "css%2f..%2f..%2f__init__.0000000000.py",
        "%2e%2e/__init__.0000000000.py",
        "css/..%2f..%2fassets.0000000000.py",
        "..%5c__init__.0000000000.py",
        "css/site.0000000000.css",
        "css/missing.0000000000.css",
        "css%00/site.x.css",
    ],
)
def test_assets_never_read_a_file_that_is_not_one_of_the_static_files(client, monkeypatch, name):
    assert client.get("/assets/not-here").status_code == 404  # the error page's templates are now loaded
    reads = []
    real_read_bytes, real_open = Path.read_bytes, Path.open
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read_bytes(self))
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: reads.append(self) or real_open(self, *a, **k))
    monkeypatch.setattr("builtins.open", _recording_open(reads))
    assert client.get("/assets/" + name).status_code == 404
    assert reads == [], f"/assets/{name} read {reads}"


def _recording_open(reads):
    real = open

    def recording(file, *args, **kwargs):
        reads.append(file)
        return real(file, *args, **kwargs)

    return recording


def test_assets_serve_each_real_static_file_under_its_fingerprint(client):
    html = client.get("/courses/").get_data(as_text=True)
    for start in ('<link rel="stylesheet" href="', '<link rel="icon" href="'):
        if start not in html:
            continue
        href = html.split(start, 1)[1].split('"', 1)[0]
        with client.get(href) as response:
            assert response.status_code == 200, href
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


# -- the certificate PDF's URL fetcher (F11) ------------------------------------------------------


@pytest.fixture
def static(tmp_path):
    """A static folder with a stylesheet, links to files outside it, and a secret beside it."""
    folder = tmp_path / "lms/static"
    (folder / "css").mkdir(parents=True)
    (folder / "css/certificate.css").write_text("body { color: black }")
    (folder.parent / "secret.txt").write_bytes(SECRET)
    os.symlink(folder.parent / "secret.txt", folder / "css/linked.css")
    os.symlink("/etc/passwd", folder / "passwd.css")
    return folder


def _read(response) -> bytes:
    try:
        return response.read()
    finally:
        response.close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:/etc/passwd",
        "file://{static}/../secret.txt",
        "file://{static}/%2e%2e/secret.txt",
        "file://{static}/..%2fsecret.txt",
        "file://{static}/css/%2e%2e/%2e%2e/secret.txt",
        "file://{static}/css%2f..%2f..%2fsecret.txt",
        "file://{static}/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "file://{static}/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
        "file://{static}/css/linked.css",
        "file://{static}/passwd.css",
        "file://{static}/css/certificate.css%00",
        "file://{static}/css\\..\\..\\secret.txt",
        "file://evil.example{static}/css/certificate.css",
        "file://{static}",
        "file://{static}/css/",
        "http://127.0.0.1:1/x.png",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        "data:text/html,<p>x</p>",
    ],
)
def test_pdf_fetcher_refuses_everything_but_the_static_files(static, url):
    fetcher = StaticOnlyFetcher(str(static))
    with pytest.raises(ValueError):
        body = _read(fetcher.fetch(url.format(static=static)))
        pytest.fail(f"{url} was fetched: {body[:40]!r}")


def test_pdf_fetcher_loads_static_files_and_inline_images(static):
    fetcher = StaticOnlyFetcher(str(static))
    assert _read(fetcher.fetch(f"file://{static}/css/certificate.css?v=1")) == b"body { color: black }"
    assert _read(fetcher.fetch((static / "css/certificate.css").as_uri())) == b"body { color: black }"
    assert _read(fetcher.fetch("data:image/png;base64,iVBORw0KGgo=")) == b"\x89PNG\r\n\x1a\n"


def test_a_pdf_cannot_attach_a_file_outside_the_static_folder(static):
    html = (
        "".join(
            f'<link rel="attachment" href="file://{static}/{p}">'
            for p in ("%2e%2e/secret.txt", "..%2fsecret.txt", "css/linked.css")
        )
        + "<p>Certificate</p>"
    )
    pdf = PdfReader(io.BytesIO(render_pdf(html, str(static))))
    assert pdf.attachments == {}


# -- content check: files that will not be served --------------------------------------------------


def test_content_check_warns_about_each_file_a_module_folder_will_not_serve(content):
    result = CliRunner().invoke(content_cli, ["check", str(content)])
    assert result.exit_code == 0, result.output
    folder = content / "modules/listening"
    allowed = "allowed: png, jpg, jpeg, gif, webp, svg, pdf, mp3, m4a, mp4, webm, vtt"
    link = "this will not be served: it is a link (shortcut); copy the file into the module folder instead"
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{folder}/alias.png:1: warning: {link}",
        f"{folder}/data.json:1: warning: this file will not be served ({allowed})",
        f"{folder}/escape-dir:1: warning: {link}",
        f"{folder}/images/escape.png:1: warning: {link}",
        f"{folder}/images/inside.png:1: warning: {link}",
        f"{folder}/notes.docx:1: warning: this file will not be served ({allowed})",
        f"{folder}/notes.md:1: warning: this file will not be served ({allowed}); Markdown other than index.md, "
        "*.quiz.md and *.guide.md is not used either",
        f"{folder}/page.html:1: warning: this file will not be served ({allowed})",
        f"{folder}/script.js:1: warning: this file will not be served ({allowed})",
    ]
    assert result.output.strip().splitlines()[-1].startswith("OK: 1 course(s), 2 module(s)")
    assert "9 warning(s)" in result.output


def test_graders_guides_and_hidden_files_are_accepted_without_a_warning(tmp_path):
    root = write_content(
        tmp_path,
        {
            "modules/m/q.quiz.md": "---\ntitle: Q\n---\n## opening (written)\nSay it.\n\n- Kind (1 point)\n",
            "modules/m/q.guide.md": "## opening\n\nLook for feelings.\n",
            "modules/m/.gitkeep": "",
            "modules/m/images/.DS_Store": "x",
            "modules/m/images/diagram.webp": "RIFF",
            "modules/m/Audio/Intro.MP3": "ID3",
        },
    )
    catalog, problems = check_content(root)
    assert catalog is not None and problems == []


def test_lesson_page_puts_wide_code_and_tables_in_focusable_scroll_regions(client, trainee):
    html = client.get(LESSON + "?section=2").get_data(as_text=True)  # the listening lesson's second section
    assert (
        '<div class="scroll" tabindex="0" role="region" aria-label="Code (scrolls sideways)"><pre><code>Peer:' in html
    )
    assert '<div class="scroll" tabindex="0" role="region" aria-label="Table (scrolls sideways)"><table>' in html


def test_content_snapshot_never_reads_files_outside_the_content_folder(content):
    fingerprint, archive = snapshot(content)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        names = tar.getnames()
        data = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert "modules/listening/images/loop.png" in names and "modules/listening/first-visit.guide.md" in names
    assert "modules/listening/images/escape.png" not in names and "modules/listening/escape-dir/secret.png" not in names
    assert SECRET not in data
    folder = extract(fingerprint, archive, content.parent / "versions") / "modules/listening"
    assert not (folder / "images/escape.png").exists() and (folder / "images/loop.png").is_file()
