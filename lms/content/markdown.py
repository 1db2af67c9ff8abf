"""Author Markdown to safe HTML: render with markdown-it-py, then sanitise with nh3, in one place.

`render()` is the only function in the app that marks author content safe. Results are cached by
the SHA-256 of the source, so a lesson is rendered once per content version, never per request.
"""

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin

#: Hosts whose players may be embedded with <iframe>; everything else is removed.
VIDEO_HOSTS = frozenset({"www.youtube-nocookie.com", "www.youtube.com", "player.vimeo.com"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
TAGS = frozenset(nh3.ALLOWED_TAGS | {"iframe"}) - {"center", "strike", "tt", "acronym"}
_HEADINGS = {f"h{n}": {"id"} for n in range(1, 7)}
ATTRIBUTES = {
    **{
        tag: set(attrs) - {"align", "char", "charoff", "width", "size"} for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
    },
    **_HEADINGS,
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen"},
    "th": {"colspan", "rowspan", "scope", "headers"},
    "td": {"colspan", "rowspan", "headers"},
}
_DANGEROUS_SCHEMES = ("javascript", "vbscript", "data", "file")
_VIDEO_PREFIXES = tuple(f"https://{host}/" for host in sorted(VIDEO_HOSTS))
_LONGEST_PREFIX = max(len(prefix) for prefix in _VIDEO_PREFIXES)
#: A wide table or long code line scrolls sideways; keyboard users must be able to focus it to scroll.
_SCROLL_LABELS = {"table": "Table (scrolls sideways)", "pre": "Code (scrolls sideways)"}
#: One tag of nh3's output, where text never holds a raw "<" and quoted values never hold '"', so a
#: "<table" inside an attribute value is consumed with its tag and never taken for one.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>"]|"[^"]*")*>')
_UNSAFE_IN_URL = re.compile(r"[\\\x00-\x20\x7f-\x9f]")


@dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Section:
    """One page of a lesson read in sections: a `##` heading and what follows it (the first also holds
    the introduction before it, less the lesson's `#` title, which the page shows itself)."""

    title: str
    anchor: str
    html: Markup


@dataclass(frozen=True)
class Rendered:
    html: Markup
    toc: tuple[TocEntry, ...]
    #: the text of each `#` heading, in order (the first is the page's h1)
    h1s: tuple[str, ...]
    words: int
    #: (0-based line in the Markdown source, message) for author HTML that sanitising removes
    warnings: tuple[tuple[int, str], ...]
    #: the lesson page by page, one per top-level `##` heading; empty when it has fewer than two
    sections: tuple[Section, ...] = ()


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    anchors_plugin(md, min_level=2, max_level=3)
    return md


_md = _parser()
_cache: dict[str, Rendered] = {}
_CACHE_LIMIT = 2048


def render(source: str) -> Rendered:
    """Render and sanitise Markdown; cached by the SHA-256 of the source."""
    key = hashlib.sha256(source.encode()).hexdigest()
    hit = _cache.get(key)
    if hit is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        hit = _cache[key] = _render(source)
    return hit


def _render(source: str) -> Rendered:
    tokens = _md.parse(source)
    html = sanitise(_md.renderer.render(tokens, _md.options, {}))
    toc, h1s = _outline(tokens)
    words = len(re.findall(r"\w+", re.sub(r"<[^>]+>", " ", html)))
    return Rendered(
        html=html, toc=toc, h1s=h1s, words=words, warnings=tuple(_audit(tokens)), sections=_sections(tokens)
    )


def _sections(tokens) -> tuple[Section, ...]:
    """Split at each top-level `##` heading; each part is rendered and sanitised on its own."""
    starts = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2" and t.level == 0]
    if len(starts) < 2:
        return ()
    # The page prints the lesson's `#` title as its h1: leave it (open, inline, close) out of the first section.
    title = next(
        (
            i
            for i in range(starts[0])
            if tokens[i].type == "heading_open" and tokens[i].tag == "h1" and tokens[i].level == 0
        ),
        None,
    )
    bounds = [0, *starts[1:], len(tokens)]
    sections = []
    for start, heading, end in zip(bounds, starts, bounds[1:], strict=False):
        text = re.sub(r"[*_`]", "", tokens[heading + 1].content).strip()
        part = tokens[start:end] if title is None or start else tokens[:title] + tokens[title + 3 : end]
        html = sanitise(_md.renderer.render(part, _md.options, {}))
        sections.append(Section(text, str(tokens[heading].attrGet("id") or ""), html))
    return tuple(sections)


def block_tokens(source: str):
    """The markdown-it token stream, for parsers that need the document's block structure."""
    return _md.parse(source)


def render_inline(source: str) -> Markup:
    """Render one line of Markdown (a choice's text) without a wrapping paragraph, sanitised."""
    return sanitise(_md.renderInline(source))


def sanitise(html: str) -> Markup:
    """Keep only the allow-listed tags, attributes and URLs, and put tables and code in focusable scroll
    regions; the one place author HTML becomes safe."""
    cleaned = nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
    # An iframe whose src was refused is useless and confusing: drop it whole.
    cleaned = re.sub(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", "", cleaned, flags=re.S)
    cleaned = _TAG.sub(_scroll_region, cleaned)
    # Sanitised by nh3 just above: the one place author content is marked safe.
    return Markup(cleaned)  # nosec B704


def _scroll_region(tag: re.Match) -> str:
    """Wrap a table or code block in a region that scrolls sideways and can take keyboard focus."""
    name = tag[2].lower()
    if name not in _SCROLL_LABELS:
        return tag[0]
    if tag[1]:
        return f"{tag[0]}</div>"
    return f'<div class="scroll" tabindex="0" role="region" aria-label="{_SCROLL_LABELS[name]}">{tag[0]}'


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "iframe" and attr == "src":
        return value if video_host_allowed(value) else None
    return value


def video_host_allowed(url: str) -> bool:
    """True when a browser will load this URL from one of VIDEO_HOSTS over https on the default port.

    Python's urlsplit and a browser's URL parser disagree about backslashes (`https://evil\\@host/`
    is host `host` to one and `evil` to the other), and browsers drop tabs and newlines. So URLs with
    a backslash, control character or space are refused, and the rest must start with exactly
    `https://<host>/`, which leaves no room for credentials, a port or another host.
    """
    if _UNSAFE_IN_URL.search(url):
        return False
    return url[:_LONGEST_PREFIX].lower().startswith(_VIDEO_PREFIXES)


def _outline(tokens) -> tuple[tuple[TocEntry, ...], tuple[str, ...]]:
    toc, h1s = [], []
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = tokens[i + 1].content if i + 1 < len(tokens) else ""
        plain = re.sub(r"[*_`]", "", text).strip()
        if token.tag == "h1":
            h1s.append(plain)
        elif token.tag in ("h2", "h3"):
            toc.append(TocEntry(int(token.tag[1]), str(token.attrGet("id") or ""), plain))
    return tuple(toc), tuple(h1s)


def _audit(tokens):
    """Yield (line, message) for each piece of author HTML or URL that sanitising will remove."""
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0]
        if token.type == "html_block":
            yield from ((line, m) for m in _audit_html(token.content))
        for child in token.children or ():
            if child.type == "html_inline":
                yield from ((line, m) for m in _audit_html(child.content))
            elif child.type in ("link_open", "image"):
                attr = "href" if child.type == "link_open" else "src"
                url = str(child.attrGet(attr) or "")
                message = _url_problem(url) or (_EXTERNAL_IMAGE if child.type == "image" and _external(url) else None)
                if message:
                    yield line, message


_EXTERNAL_IMAGE = (
    "images from other websites are not shown (the site loads only its own files): "
    "save the picture in the module's images/ folder and link to it as images/name.png"
)


def _external(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in ("http", "https") or url.strip().startswith("//")


def _url_problem(url: str) -> str | None:
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme and scheme not in URL_SCHEMES:
        return f"'{scheme}:' links are not allowed and will be removed"
    return None


class _HtmlAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.messages: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.messages.append(f"HTML tag <{tag}> is not allowed and will be removed")
            return
        allowed = ATTRIBUTES.get(tag, set()) | ATTRIBUTES["*"]
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.messages.append(f"event handler attribute '{name}' on <{tag}> will be removed")
            elif name not in allowed:
                self.messages.append(f"attribute '{name}' on <{tag}> is not allowed and will be removed")
            elif name in ("href", "src"):
                problem = _url_problem(value)
                if problem:
                    self.messages.append(problem)
                elif tag == "iframe" and not video_host_allowed(value):
                    self.messages.append(
                        f'<iframe src="{value[:80]}"> will be removed: embedded players must start with https:// '
                        f"and come from {', '.join(sorted(VIDEO_HOSTS))}"
                    )
                elif tag == "img" and _external(value):
                    self.messages.append(_EXTERNAL_IMAGE)


def _audit_html(fragment: str) -> list[str]:
    audit = _HtmlAudit()
    audit.feed(fragment)
    audit.close()
    return audit.messages
