"""Author Markdown is untrusted: render, then sanitise, in one place."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.markdown import render, sanitise


def html(source: str) -> str:
    return str(render(source).html)


def test_script_tags_and_their_content_are_removed():
    out = html("Hello <script>alert('x')</script> world\n\n<script>\nsteal()\n</script>\n")
    assert "<script" not in out and "alert" not in out and "steal" not in out


def test_event_handlers_are_removed():
    out = html('<img src="x.png" onerror="alert(1)">\n\n<p onclick="x()">hi</p>\n')
    assert "onerror" not in out and "onclick" not in out and 'src="x.png"' in out


def test_javascript_and_data_links_never_reach_the_page():
    out = html(
        '[a](javascript:alert(1)) <a href="javascript:alert(1)">b</a> <a href="JaVaScRiPt:alert(1)">c</a>'
        ' <a href="data:text/html,<script>x</script>">d</a> <img src="data:image/svg+xml,<svg onload=alert(1)>">'
    )
    assert not re.search(r'(href|src)="\s*(javascript|data):', out, re.I)


def test_iframes_only_from_allowed_video_hosts():
    out = html(
        '<iframe src="https://evil.example/x"></iframe>\n\n<iframe src="http://www.youtube-nocookie.com/embed/a"></iframe>\n\n'
        '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Video"></iframe>\n'
    )
    assert out.count("<iframe") == 1
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in out


#: URLs that Python's urlsplit reads as an allowed host but a browser (WHATWG URL parser) does not,
#: or that carry credentials, control characters or another port (F16).
SPOOFED_PLAYERS = [
    "https://evil.example\\@www.youtube.com/x",
    "https://evil.example\\\\@www.youtube.com/x",
    "https://evil.example&#92;@www.youtube.com/x",
    "https://evil.example&#x5C;@player.vimeo.com/x",
    "https:\\\\evil.example\\www.youtube.com/x",
    "https://evil.example%5c@www.youtube.com/x",
    "https://user@www.youtube.com/embed/x",
    "https://user:pw@www.youtube.com/embed/x",
    "https://@www.youtube.com/x",
    "https://www.youtube.com:8443/embed/x",
    "https://www.youtube.com./embed/x",
    "https://www.youtube.com",
    "https://www.you&#9;tube.com/embed/x",
    "https://evil.example&#10;@www.youtube.com/x",
    "https://evil.example&#0;@www.youtube.com/x",
    " https://www.youtube.com\\.evil.example/x",
    "//www.youtube.com/embed/x",
    "https:www.youtube.com/embed/x",
    "https:/www.youtube.com/embed/x",
]


def test_iframe_host_is_checked_as_browsers_parse_the_url():
    for url in SPOOFED_PLAYERS:
        out = html(f'<iframe src="{url}" title="Video"></iframe>\n')
        assert "<iframe" not in out, url
        assert render(f'<iframe src="{url}" title="Video"></iframe>\n').warnings, f"the author is told about {url}"
    for url in [
        "https://www.youtube.com/embed/abc?start=5",
        "HTTPS://WWW.YOUTUBE-NOCOOKIE.COM/embed/abc",
        "https://player.vimeo.com/video/1@2",
    ]:
        assert html(f'<iframe src="{url}" title="Video"></iframe>\n').count("<iframe") == 1, url


def test_safe_markup_survives():
    out = html(
        "# Title\n\n## Part one\n\n*em* **strong** [link](https://example.org) ![alt](images/a.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert '<h2 id="part-one">Part one</h2>' in out
    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in out
    assert '<img src="images/a.png" alt="alt">' in out
    assert "<table>" in out and "<em>em</em>" in out


def test_rendering_is_cached_by_content():
    assert render("Same *text*") is render("Same *text*")


def test_sanitise_marks_only_clean_html_safe():
    assert str(sanitise('<a href="javascript:x">y</a>')) == '<a rel="noopener noreferrer">y</a>'


_pieces = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<svg onload="alert(1)">',
        "<style>body{}</style>",
        '<iframe src="https://evil.example\\@www.youtube.com/x"></iframe>',
        '<iframe src="https://u@player.vimeo.com/">',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>',
        "[x](javascript:alert(1))",
        "<object data=x></object>",
        '<div style="background:url(javascript:alert(1))">',
        "**bold**",
        "\n\n",
        "# h\n",
        "- item\n",
        "<b>",
        "</b>",
        '<p title="x" onmouseover="y">',
        "<details><summary>s</summary>t</details>",
        "`<script>`",
        "<!-- c -->",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=20)), max_size=12))
def test_no_markdown_input_yields_script_handlers_or_dangerous_urls(parts):
    for tag, attrs in tags_in(html("".join(parts))):
        assert tag not in {"script", "style", "object", "embed", "svg", "form", "input"}
        for name, value in attrs:
            assert not name.startswith("on")
            if name in ("href", "src"):
                assert not re.match(r"\s*(javascript|data|vbscript):", value or "", re.I)
        if tag == "iframe":
            src = dict(attrs).get("src", "")
            assert src.startswith(
                ("https://www.youtube.com/", "https://www.youtube-nocookie.com/", "https://player.vimeo.com/")
            )
            assert "\\" not in src


def tags_in(markup: str) -> list:
    """Every real start tag in the output (text that merely looks like a tag is not one)."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    parser = Collect()
    parser.feed(markup)
    parser.close()
    return found


WIDE = "x" * 300
SCROLL = '<div class="scroll" tabindex="0" role="region" aria-label="{}">'


def test_tables_and_code_blocks_scroll_in_a_region_keyboard_users_can_focus():
    out = html(
        f"# T\n\n```\n{WIDE}\n```\n\n    indented {WIDE}\n\n| a | b |\n|---|---|\n| {WIDE} | 2 |\n\n"
        f'<table title="<table>"><tr><td><pre>{WIDE}</pre></td></tr></table>\n'
    )
    code, table = SCROLL.format("Code (scrolls sideways)"), SCROLL.format("Table (scrolls sideways)")
    assert out.count(code + "<pre>") == 3 and out.count(table + "<table") == 2
    assert out.count("</pre></div>") == 3 and out.count("</table></div>") == 2
    assert 'title="&lt;table&gt;"' in out or 'title="<table>"' in out, "a tag inside an attribute is not a tag"
    assert [tag for tag, _ in tags_in(out)].count("div") == 5


def test_authors_cannot_write_focusable_regions_themselves():
    out = html(
        '<div class="scroll" tabindex="0" role="region" aria-label="x">text</div>\n\n'
        '<p tabindex="1">p</p> <a href="https://example.org" tabindex="-1">a</a>\n'
    )
    assert "tabindex" not in out and "role=" not in out and "aria-label" not in out and "class=" not in out
    assert "text" in out
