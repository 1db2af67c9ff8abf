"""Which files in a module folder are served: an allow-list of media types, checked on the real path.

The same function decides for the asset route and for `content check`'s "will not be served" warning,
so what trainers are told is what the site does. Lesson sources, role-plays (with their answer keys)
and graders' guides are Markdown, which is never on the list, however the path is spelled.
"""

from pathlib import Path

#: extension (lower case) -> the media type it is served as; nothing else is served
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "vtt": "text/vtt",
}
SERVED_EXTENSIONS = ", ".join(MEDIA_TYPES)
#: SVG can carry scripts: served with a policy that runs none and loads nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
#: files in a module folder that the loader reads itself (never served, never warned about)
_SOURCES = ("index.md",)
_SOURCE_SUFFIXES = (".quiz.md", ".guide.md")


def media_type(name: str) -> str | None:
    """The media type a file of this name is served as, or None when its type is not on the allow-list."""
    stem, dot, ext = name.rpartition(".")
    return MEDIA_TYPES.get(ext.lower()) if dot and stem else None


def served_file(folder: Path, asset: str) -> Path | None:
    """The real file that `asset` (a URL path below the module folder) names, if it may be served.

    Only the one canonical spelling is accepted: no empty, `.` or `..` segment, no dotfile, no
    backslash, control character or leftover `%`; and the type must be on the allow-list. Links
    (symbolic links, in any part of the path) are never followed: the target could be outside the
    folder, or a lesson source under an image's name. The content snapshot leaves them out too.
    """
    if not _canonical(asset) or media_type(asset) is None:
        return None
    path = folder.resolve() / asset
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    return real if real == path and real.is_file() else None


def why_not_served(folder: Path, rel: str) -> str | None:
    """What `content check` tells the author about this file or link in a module folder (None: nothing to say)."""
    path = folder / rel
    if is_source(rel) or served_file(folder, rel) is not None:
        return None
    if path.is_symlink():
        return "this will not be served: it is a link (shortcut); copy the file into the module folder instead"
    if path.is_dir():
        return None  # a folder: the files in it are checked themselves
    if media_type(rel) is None:
        unused = (
            "; Markdown other than index.md, *.quiz.md and *.guide.md is not used either"
            if rel.lower().endswith(".md")
            else ""
        )
        return f"this file will not be served (allowed: {SERVED_EXTENSIONS}){unused}"
    return "this file will not be served: rename it without '%', backslashes or control characters"


def is_source(rel: str) -> bool:
    """True for the module's own Markdown files the loader reads: index.md, *.quiz.md, *.guide.md."""
    return "/" not in rel and (rel in _SOURCES or rel.endswith(_SOURCE_SUFFIXES))


def _canonical(path: str) -> bool:
    if "\\" in path or "%" in path or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return False
    return all(part and not part.startswith(".") for part in path.split("/"))
