"""Certificate PDFs with weasyprint.

weasyprint is imported when the app starts (importing it takes about a second) and one font
configuration and stylesheet are reused for every PDF: a new FontConfiguration per document grows
a worker's memory with every certificate. The URL fetcher loads nothing but the app's own static
files and inline data: URIs (the QR code and the issuer's logo).
"""
import threading
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

_lock = threading.Lock()
_resources: dict = {}


class StaticOnlyFetcher(URLFetcher):
    """Fetch inline data: URIs and files under the static folder; refuse everything else."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols={"data", "file"})
        self.static = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.split("?", 1)[0][len("file://"):]).resolve()
            if not path.is_relative_to(self.static):
                raise ValueError(f"only the app's static files may be loaded, not {url}")
        elif not url.startswith("data:image/"):
            raise ValueError(f"only the app's static files may be loaded, not {url[:60]}")
        return super().fetch(url, headers)


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
