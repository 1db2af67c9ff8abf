"""Certificate PDFs with weasyprint.

weasyprint is imported when the app starts (importing it takes about a second) and one font
configuration and stylesheet are reused for every PDF: a new FontConfiguration per document grows
a worker's memory with every certificate. The URL fetcher loads nothing but the app's own static
files and inline data: URIs (the QR code and the issuer's logo).
"""
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

_lock = threading.Lock()
_resources: dict = {}


class StaticOnlyFetcher(URLFetcher):
    """Fetch inline data: URIs and files under the static folder; refuse everything else."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols={"data", "file"})
        self.static = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        if url.startswith("data:image/"):
            return super().fetch(url, headers)
        path = self.static_file(url)
        if path is None:
            raise ValueError(f"only the app's static files may be loaded, not {url[:80]}")
        # Opened here, by the path just checked: never handed back to urllib to decode again.
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"})

    def static_file(self, url: str) -> Path | None:
        """The real file a file: URL names, decoded as weasyprint and urllib decode it, if it is inside the static folder."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        raw = unquote(parts.path)
        if not raw.startswith("/") or "\\" in raw or any(ord(c) < 32 for c in raw):
            return None
        try:
            real = Path(raw).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        return real if real.is_relative_to(self.static) and real.is_file() else None


def _shared(static_folder: str):
    """One FontConfiguration, stylesheet and fetcher per process and static folder."""
    with _lock:
        if static_folder not in _resources:
            fonts = FontConfiguration()
            fetcher = StaticOnlyFetcher(static_folder)
            css = weasyprint.CSS(filename=str(Path(static_folder) / "css" / "certificate.css"),
                                 font_config=fonts, url_fetcher=fetcher)
            _resources[static_folder] = (fonts, css, fetcher)
        return _resources[static_folder]


def render_pdf(html: str, static_folder: str, attachments: dict[str, str] | None = None) -> bytes:
    """The PDF for a certificate's HTML, with text attachments (file name -> content)."""
    fonts, css, fetcher = _shared(static_folder)
    files = [weasyprint.Attachment(string=content, name=name, description="Signed Open Badges 3.0 credential (VC-JWT)")
             for name, content in (attachments or {}).items()]
    document = weasyprint.HTML(string=html, base_url=Path(static_folder).as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=fonts, attachments=files)


def warm_up(static_folder: str) -> None:
    """Pay weasyprint's first-document cost at start-up rather than in a trainee's request."""
    if static_folder in _resources:
        return
    render_pdf("<p>warm-up</p>", static_folder)
