"""Evidence files: a PDF, PNG or JPEG of a certificate, recognised by its first bytes, at most 5 MB.

The extension alone proves nothing (an HTML page renamed `.pdf` is still a page), so the content must
start the way the format requires, and the extension must agree with what the content is. Files are
stored in the database and served only as attachments with `nosniff` (see views.py).
"""

import hashlib

from werkzeug.utils import secure_filename

MAX_BYTES = 5 * 1024 * 1024
#: media type -> (the bytes every such file starts with, the extensions a file of that type may have)
TYPES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}
ALLOWED = "a PDF, PNG or JPEG file"


class EvidenceRefused(ValueError):
    """The upload is not acceptable evidence; the message says why, in words for the trainee."""


def check(filename: str, data: bytes) -> tuple[str, str]:
    """(clean file name, media type) of acceptable evidence, or EvidenceRefused."""
    if not data:
        raise EvidenceRefused("The file is empty. Please choose the file of your certificate again.")
    if len(data) > MAX_BYTES:
        raise EvidenceRefused(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is 5 MB. "
            "Scan it at a lower resolution or save it as a smaller PDF."
        )
    media_type = sniff(data)
    if media_type is None:
        raise EvidenceRefused(
            f"This file is not {ALLOWED}. Please upload {ALLOWED} (a scan or photo of the certificate is fine)."
        )
    clean = secure_filename(filename or "")[:150]
    extension = clean.rsplit(".", 1)[1].lower() if "." in clean else ""
    if f".{extension}" not in TYPES[media_type][1]:
        raise EvidenceRefused(
            f"The file's content is {media_type.split('/')[1].upper()}, but its name "
            f"{'ends in .' + extension if extension else 'has no extension'}: please upload the "
            "original file, named .pdf, .png, .jpg or .jpeg as it was saved."
        )
    return clean, media_type


def sniff(data: bytes) -> str | None:
    """The media type the content shows, or None for anything but PDF, PNG and JPEG."""
    return next((media for media, (magic, _) in TYPES.items() if data.startswith(magic)), None)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
