"""Helpers for certificate tests: complete a course quickly, content variants, reading PDFs."""

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

from lms.assessments.attempts import ensure_version
from lms.assessments.models import PASSED, Attempt
from lms.clock import utcnow
from lms.content import catalog
from lms.extensions import db

from helpers import TEST_CONTENT, post, read_to_the_end


def content_variant(tmp_path: Path, course_front_matter: str = "", attestation: bool = False) -> Path:
    """A copy of the test content whose course has extra front matter (and optionally an attestation)."""
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    course = root / "courses/sample.md"
    extra = course_front_matter
    if attestation:
        (root / "attestations").mkdir(exist_ok=True)
        (root / "attestations/pledge.md").write_text(
            "---\ntitle: Peer Pledge\n---\nI will listen with respect and keep people safe.\n"
        )
        extra += "attestation: pledge\n"
    course.write_text(
        course.read_text().replace("hours: {mentoring: 2, ethics: 1}\n", f"hours: {{mentoring: 2, ethics: 1}}\n{extra}")
    )
    return root


def pass_everything(app, client, user_id: int, course_slug: str = "sample", finished_at=None) -> None:
    """Read every lesson (through the site) and record a pass of every required role-play."""
    with app.app_context():
        course = catalog().course(course_slug)
        modules = catalog().course_modules(course)
    for module in modules:
        lesson = f"/courses/{course_slug}/{module.slug}/"
        read_to_the_end(client, lesson)
    with app.app_context():
        for module in modules:
            for quiz in module.required_assessments:
                ensure_version(module.slug, quiz)
                number = db.session.query(Attempt).filter_by(user_id=user_id, quiz_slug=quiz.slug).count() + 1
                db.session.add(
                    Attempt(
                        user_id=user_id,
                        course_slug=course_slug,
                        module_slug=module.slug,
                        quiz_slug=quiz.slug,
                        fingerprint=quiz.fingerprint,
                        number=number,
                        state=PASSED,
                        score=quiz.maximum,
                        possible=quiz.maximum,
                        scoring_rule=2,
                        finished_at=finished_at or utcnow() - timedelta(seconds=1),
                    )
                )
        db.session.commit()


def claim(client, course_slug: str = "sample", holder: str = "Test Person Legal", confirm=False):
    """Claim the course's certificate; confirm=True ticks the attestation's "I have read and agree" box."""
    data = {"holder_name": holder}
    if confirm:
        data["confirm"] = "y"
    page = f"/courses/{course_slug}/certificate"
    return post(client, page, data, page=page)


def pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """Decode the QR codes on the PDF's first page, as a phone would: render it, then scan it."""
    import pytest

    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        message = "decoding the QR code needs zbarimg and pdftoppm: apt-get install -y zbar-tools poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")], check=True
    )
    image = next(tmp_path.glob("page*.png"))
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
    return scanned.stdout.split()


def structure(pdf: bytes) -> list[tuple[str, str | None]]:
    """The tagged PDF's structure elements in reading order: (tag, alternative text), read with pypdf."""
    from io import BytesIO

    from pypdf import PdfReader

    found = []

    def walk(node) -> None:
        node = node.get_object()
        if "/S" in node:
            found.append((node["/S"], node.get("/Alt")))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if hasattr(kid, "get") and "/S" in kid:
                walk(kid)

    walk(PdfReader(BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


def xmp(pdf: bytes) -> str:
    """The PDF's XMP metadata packet, as text."""
    from io import BytesIO

    from pypdf import PdfReader

    return PdfReader(BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def check_tagged(pdf: bytes, title: str) -> None:
    """What a screen reader needs (PDF/UA-1): marked, a structure tree with a heading, the language, the title shown."""
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"
    assert "/H1" in [tag for tag, _ in structure(pdf)]
    assert root["/Lang"] == "en"
    assert reader.metadata.title == title and root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp(pdf) or 'pdfuaid:part="1"' in xmp(pdf)


def check_archival(pdf: bytes) -> None:
    """PDF/A-3b: identified in the XMP metadata, an sRGB output intent, every font embedded."""
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    assert (reader.xmp_metadata.pdfaid_part, reader.xmp_metadata.pdfaid_conformance) == ("3", "B")
    assert [intent["/S"] for intent in reader.trailer["/Root"]["/OutputIntents"]] == ["/GTS_PDFA1"]
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = described["/FontDescriptor"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
