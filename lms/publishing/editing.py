"""The browser editor's pure core: which files it edits, checking a draft, previews, images, a module template.

No Flask and no database: the views read the candidate through lms.publishing.api and hand the files here.
"""

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..content.files import media_type
from ..content.frontmatter import split
from ..content.loader import SLUG, check_content
from ..content.markdown import render
from ..content.problems import Collector, Problem
from ..content.quiz import Quiz
from ..content.quiz_parser import parse_quiz
from .archive import path_problem

#: what each editable file is, from its place in the tree (CONTENT-FORMAT.md, "Layout")
_KINDS = (
    (re.compile(r"^courses/[a-z0-9]+(?:-[a-z0-9]+)*\.md$"), "course"),
    (re.compile(r"^attestations/[a-z0-9]+(?:-[a-z0-9]+)*\.md$"), "attestation"),
    (re.compile(r"^modules/[a-z0-9]+(?:-[a-z0-9]+)*/index\.md$"), "lesson"),
    (re.compile(r"^modules/[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*\.quiz\.md$"), "role-play"),
    (re.compile(r"^modules/[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*\.guide\.md$"), "grader's guide"),
)
KIND_ORDER = ("course", "attestation", "lesson", "role-play", "grader's guide")
#: image types an author may upload: the image part of the served allow-list (lms.courses.files)
IMAGE_TYPES = {
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "gif": b"GIF8",
    "webp": b"RIFF",
    "svg": None,
}
MAX_TEXT = 500_000
IMAGE_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\.[a-z0-9]+$")


class EditError(ValueError):
    """An edit that is refused, in words for the author."""


def kind_of(path: str) -> str | None:
    """'course', 'attestation', 'lesson', 'role-play' or "grader's guide" for a file the editor edits, else None."""
    if path_problem(path):
        return None
    return next((kind for pattern, kind in _KINDS if pattern.match(path)), None)


def editable_files(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(kind, path) of every file the editor edits, courses first, then each module's files."""
    found = [(kind_of(path), path) for path in files]
    return sorted(((k, p) for k, p in found if k), key=lambda kp: (kp[1].split("/")[0] != "courses", kp[1]))


def module_slugs(files: dict[str, bytes]) -> list[str]:
    return sorted({p.split("/")[1] for p in files if p.startswith("modules/") and p.endswith("/index.md")})


def decode(data: bytes) -> str:
    """A file's text for the editor (invalid UTF-8 shows as replacement characters; the check reports it)."""
    return data.decode("utf-8", errors="replace")


def digest(data: bytes | None) -> str:
    """A short name for a file's saved bytes ("new" for a file not written yet), to notice a save by someone else."""
    return hashlib.sha256(data).hexdigest()[:32] if data is not None else "new"


def normalise(text: str) -> str:
    """A textarea's text as a file: Unix line ends and one final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_TEXT:
        raise EditError(f"The file is longer than {MAX_TEXT:,} characters; split it up.")
    return text.rstrip("\n") + "\n"


def check_files(files: dict[str, bytes]) -> list[Problem]:
    """Run the content checker on a tree that is not stored: every error and warning, paths relative to the tree."""
    with tempfile.TemporaryDirectory(prefix="lms-edit-") as work:
        root = Path(work)
        for name, data in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _, problems = check_content(root)
        return sorted(Problem(_relative(p.path, root), p.line, p.message, p.warning) for p in problems)


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


@dataclass(frozen=True)
class Preview:
    """What the file looks like to a trainee: the rendered body, or a parsed role-play (None: it has errors)."""

    html: Markup | None = None
    quiz: Quiz | None = None
    title: str | None = None


def preview(kind: str, path: str, text: str, competencies: dict | None = None) -> Preview:
    """Render the draft as its page would (sanitised by the one Markdown renderer)."""
    problems = Collector()
    if kind == "role-play":
        return Preview(quiz=parse_quiz(path, text, competencies, problems))
    if kind == "grader's guide" and not text.startswith("---"):
        return Preview(html=demote_headings(render(text).html, 2))  # a guide's front matter is optional
    fm = split(text, path, problems)
    if fm is None:
        return Preview()
    title = fm.data.get("title") if isinstance(fm.data, dict) else None
    return Preview(html=demote_headings(render(fm.body).html, 2), title=str(title) if title else None)


def demote_headings(html: Markup, levels: int) -> Markup:
    """The same HTML with each heading `levels` lower (h1 -> h3 for 2), so a preview sits under the page's own headings.

    Only tag names change, on HTML the one sanitiser already made safe, so the result stays safe.
    """

    def lower(match: re.Match) -> str:
        return f"<{match[1]}h{min(int(match[2]) + levels, 6)}"

    return Markup(re.sub(r"<(/?)h([1-6])(?=[\s>])", lower, str(html)))  # nosec B704 - the sanitiser's output, tag names only changed


def image_problem(name: str, data: bytes, alt: str, max_bytes: int) -> str | None:
    """Why this upload may not go into a module's images/ folder, or None when it may."""
    if not alt.strip():
        return (
            "Describe the image in the alt text: trainees who use a screen reader hear it instead of seeing the image."
        )
    if len(alt) > 300:
        return "Keep the alt text under 300 characters; put a longer description in the lesson itself."
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        return (
            "The file name may not contain folders, '..' or a leading dot: give just the name, e.g. listening-loop.png."
        )
    if not IMAGE_NAME.match(name):
        return "Name the file with lowercase letters, digits and hyphens and its type, e.g. listening-loop.png."
    ext = name.rpartition(".")[2]
    if ext not in IMAGE_TYPES or not (media_type(name) or "").startswith("image/"):
        return f"Only images can be uploaded here ({', '.join(sorted(IMAGE_TYPES))}); '{ext}' is not one."
    if not data:
        return "The file is empty."
    if len(data) > max_bytes:
        return f"The image is {len(data) / 1_048_576:.1f} MB; the most is {max_bytes / 1_048_576:.1f} MB. Make it smaller first."
    if not _looks_like(ext, data):
        return f"The file is not a {ext.upper()} image, whatever its name says."
    return None


def _looks_like(ext: str, data: bytes) -> bool:
    if ext == "svg":
        head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
        return head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096]
    if ext == "webp":
        return data.startswith(b"RIFF") and data[8:12] == b"WEBP"
    return data.startswith(IMAGE_TYPES[ext])


def image_snippet(name: str, alt: str) -> str:
    """The Markdown that shows the image in the lesson (alt text on one line, brackets escaped)."""
    clean = " ".join(alt.split()).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{clean}](images/{name})"


def new_module(files: dict[str, bytes], slug: str, title: str) -> dict[str, bytes]:
    """A minimal module that passes the check: a lesson and a short role-play, with placeholders that say what to write."""
    slug, title = slug.strip(), " ".join(title.split())
    if not SLUG.match(slug) or len(slug) > 60:
        raise EditError("The module's folder name must be lowercase letters, digits and hyphens, e.g. self-care.")
    if any(p.startswith(f"modules/{slug}/") for p in files):
        raise EditError(f"There is already a module folder modules/{slug}/; choose another name.")
    if not title or len(title) > 120:
        raise EditError("Give the module a title (up to 120 characters).")
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return {
        f"modules/{slug}/index.md": LESSON_TEMPLATE.format(title=quoted, heading=title).encode(),
        f"modules/{slug}/first-conversation.quiz.md": ROLEPLAY_TEMPLATE.format(title=quoted).encode(),
    }


LESSON_TEMPLATE = """\
---
title: "{title}"
summary: "WRITE HERE: one sentence a trainee reads in the course list."
minutes: 30
draft: true
---
# {heading}

WRITE HERE: why this matters to a peer specialist, in two or three sentences.

## What you will learn

- WRITE HERE: the first thing a trainee will be able to do.
- WRITE HERE: the second thing.

## WRITE A SECTION HEADING HERE

WRITE HERE: the lesson itself. Use `##` headings for sections, short paragraphs and real examples.
To add an image, upload it on the editor page and paste the line it gives you.

When the module is ready: remove the line `draft: true` above, and add the module's folder name to a
course's `modules:` list.
"""

ROLEPLAY_TEMPLATE = """\
---
title: "Role-play: {title}"
pass_mark: 70
---
WRITE HERE: who the peer is, where you meet, and what has just happened (two or three sentences).

## opening: The first moment
**Peer:** WRITE HERE: what the peer says first.

- "WRITE HERE: a good response, in the words a peer specialist would use." -> listening
  +2
  > WRITE HERE: why this helps.
- "WRITE HERE: a weaker response." -> listening
  > WRITE HERE: why this helps less.

## listening: Going deeper
**Peer:** WRITE HERE: what the peer says next.

- "WRITE HERE: a good response." -> ending
  +2
  > WRITE HERE: why this helps.
- "WRITE HERE: an unsafe response (for example, shaming or breaking confidentiality)." -> ending
  critical
  > WRITE HERE: why this ends the role-play.

## ending: How it ends
WRITE HERE: how the conversation ends. A scene with no choices is an ending.
"""
