"""Certificate PDFs with weasyprint.

weasyprint is imported when the app starts (its import is slow, so never on a request) and one font
configuration and stylesheet are reused for every PDF: a new FontConfiguration per document grows
a worker's memory with every certificate. The URL fetcher loads nothing but the app's own static
files and inline data: URIs (the QR code and the issuer's logo).

Every PDF is tagged (structure tree, MarkInfo, language, title shown as the window title: what
PDF/UA-1 asks and weasyprint's `pdf_tags` writes). weasyprint writes one `pdf_variant` per document,
so a certificate is rendered as PDF/A-3b (embedded fonts, sRGB output intent, XMP identification, the
credential as an associated file) with tags on, and its XMP metadata also names PDF/UA-1, declared
through a PDF/A extension schema as PDF/A asks of any property outside its predefined schemas.
Transcripts, made on request and never stored, are PDF/UA-1 only.
"""

import copy
import mimetypes
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

_lock = threading.Lock()
_resources: dict = {}

#: The @color-profile name of the sRGB profile that a certificate's PDF/A output intent names.
OUTPUT_INTENT = "--srgb-iec61966-2-1"
#: The certificate's variant: archival, with tags; PDF/UA-1 is named in its XMP by `_finish_archival`.
ARCHIVAL = {"pdf_variant": "pdf/a-3b", "pdf_tags": True, "pdf_identifier": True, "output_intent": OUTPUT_INTENT}
#: The transcript's variant: tagged, not archival.
ACCESSIBLE = {"pdf_variant": "pdf/ua-1"}

# pdfuaid:part=1, with the extension schema PDF/A-2 and -3 ask for any namespace outside their predefined
# schemas; placed inside weasyprint's own rdf:RDF, the one readers look at.
_PDF_UA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
"""


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
        return URLFetcherResponse(
            path.as_uri(),
            path.read_bytes(),
            {"Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"},
        )

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


_DATA_ONLY = URLFetcher(allowed_protocols={"data"})


def _shared(static_folder: str):
    """One FontConfiguration, stylesheet and fetcher per process and static folder."""
    with _lock:
        if static_folder not in _resources:
            fonts = FontConfiguration()
            fetcher = StaticOnlyFetcher(static_folder)
            css = weasyprint.CSS(
                filename=str(Path(static_folder) / "css" / "certificate.css"), font_config=fonts, url_fetcher=fetcher
            )
            _resources[static_folder] = (fonts, css, fetcher)
        return _resources[static_folder]


def _output_intent(static_folder: str) -> dict:
    """The sRGB profile PDF/A's output intent names, read once per process from the static folder.

    weasyprint's own "srgb" output intent opens and parses its profile file for every PDF, and leaves the
    file for the garbage collector to close (a ResourceWarning, an error under the tests' warning filter)."""
    key = ("profiles", static_folder)
    with _lock:
        if key not in _resources:
            profiles: dict = {}
            weasyprint.CSS(
                string=f"@color-profile {OUTPUT_INTENT} {{ src: url(pdf/sRGB2014.icc); components: r g b }}",
                base_url=Path(static_folder).as_uri() + "/",
                url_fetcher=StaticOnlyFetcher(static_folder),
                color_profiles=profiles,
            )
            if OUTPUT_INTENT not in profiles:
                raise RuntimeError(f"{static_folder}/pdf/sRGB2014.icc is needed for archival PDFs")
            _resources[key] = profiles
        return _resources[key]


def _finish_archival(document, pdf) -> None:
    """weasyprint finisher: name PDF/UA-1 in the XMP metadata the PDF/A variant wrote; list each associated file once."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    metadata.stream = [b"".join(metadata.stream).replace(b"</rdf:RDF>", _PDF_UA_XMP + b"</rdf:RDF>", 1)]
    # weasyprint 70 adds each attachment to the catalog's /AF twice (once from the name tree, once as a file spec).
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))


def credential_attachment(name: str, token: str, issued_at: datetime) -> weasyprint.Attachment:
    """A signed credential as the PDF/A-3 associated file it was made from (relationship Source), dated when issued."""
    # A data: URL carries the media type; read by a fetcher that reads nothing else.
    return weasyprint.Attachment(
        url=f"data:application/vc+jwt,{quote(token, safe='.-_~')}",
        url_fetcher=_DATA_ONLY,
        name=name,
        description="Signed Open Badges 3.0 credential (VC-JWT)",
        relationship="Source",
        created=issued_at,
        modified=issued_at,
    )


def render_pdf(html: str, static_folder: str, attachments: list | None = None, archival: bool = False) -> bytes:
    """The tagged PDF for an HTML page; archival (PDF/A-3b and PDF/UA-1) with its attachments, for a certificate."""
    fonts, css, fetcher = _shared(static_folder)
    document = weasyprint.HTML(string=html, base_url=Path(static_folder).as_uri() + "/", url_fetcher=fetcher)
    if archival:
        # A copy of the profile for each PDF: weasyprint writes the PDF object number into it.
        profiles = {name: copy.copy(profile) for name, profile in _output_intent(static_folder).items()}
        return document.write_pdf(
            stylesheets=[css],
            font_config=fonts,
            attachments=attachments or [],
            color_profiles=profiles,
            finisher=_finish_archival,
            **ARCHIVAL,
        )
    return document.write_pdf(stylesheets=[css], font_config=fonts, attachments=attachments or [], **ACCESSIBLE)


def warm_up(static_folder: str) -> None:
    """Pay weasyprint's first-document cost at start-up rather than in a trainee's request."""
    if static_folder in _resources:
        return
    render_pdf('<html lang="en"><title>Warm-up</title><h1>Warm-up</h1></html>', static_folder, archival=True)
