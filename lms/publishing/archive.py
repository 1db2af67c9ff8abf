"""What may be in a content tree, and reading an uploaded .zip safely: every name, size and type is
checked from the zip's directory before a byte is unpacked, and the real sizes again while reading.

Pure: no Flask, no database. The files come back as a dict (relative POSIX path -> bytes), never
written to disk by this module, so a hostile name cannot land anywhere.
"""

import re
import stat
import zipfile
from dataclasses import dataclass
from io import BytesIO

from ..content.files import media_type

#: folders and files at the top of a content tree (docs/authoring.md); nothing else belongs in it
TOP_FOLDERS = ("courses", "modules", "attestations", "pathways")
TOP_FILES = ("competencies.yaml", "support.md")
#: text sources the loader reads; every other file must be a type that is served (lms.content.files)
SOURCE_EXTENSIONS = ("md", "yaml")
#: files that macOS's "Compress" adds to every zip: left out silently rather than refused
_FINDER_LITTER = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|\._)")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class UploadError(ValueError):
    """An archive that is refused, with the reason in words for the author."""


@dataclass(frozen=True)
class Limits:
    archive_bytes: int = 20 * 1024 * 1024
    files: int = 2000
    file_bytes: int = 10 * 1024 * 1024
    total_bytes: int = 60 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """The files of an accepted zip: a whole content tree, or one module folder (module is its slug, and
    the names are relative to the module folder)."""

    files: dict[str, bytes]
    module: str | None = None


def path_problem(path: str) -> str | None:
    """Why this relative path may not be in a content tree, or None when it may."""
    shape = _shape_problem(path)
    if shape:
        return shape
    parts = path.split("/")
    if not (path in TOP_FILES or (parts[0] in TOP_FOLDERS and len(parts) > 1)):
        return (
            f"'{path}' is outside the content tree: files go in {', '.join(f'{f}/' for f in TOP_FOLDERS)} "
            f"or are {' or '.join(TOP_FILES)}"
        )
    return _type_problem(path)


def _shape_problem(path: str) -> str | None:
    if not path or len(path) > 255:
        return "a file name is empty or longer than 255 characters"
    if "\\" in path:
        return f"'{path}' contains a backslash: use '/' between folders"
    if path.startswith("/") or _DRIVE.match(path):
        return f"'{path}' is an absolute path: names must be relative to the content folder"
    if any(ord(c) < 32 or ord(c) == 127 for c in path) or "%" in path:
        return f"'{path}' contains a control character or '%'"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"'{path}' is not a plain relative path (no '..', '.' or empty folder names)"
    if any(part.startswith(".") for part in parts):
        return f"'{path}' is a hidden file (its name starts with '.'): leave it out"
    return None


def _type_problem(path: str) -> str | None:
    ext = path.rpartition(".")[2].lower() if "." in path.rpartition("/")[2] else ""
    if ext in SOURCE_EXTENSIONS or media_type(path.rpartition("/")[2]) is not None:
        return None
    return (
        f"'{path}': this type of file is not allowed in content (Markdown, YAML, images, PDF, audio, video, captions)"
    )


def read_zip(data: bytes, limits: Limits, filename: str = "") -> Upload:
    """The files of an uploaded zip of a whole content tree or one module folder; UploadError if refused."""
    if len(data) > limits.archive_bytes:
        raise UploadError(f"The file is larger than {limits.archive_bytes // (1024 * 1024)} MB.")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UploadError("This is not a .zip file (or it is damaged).") from None
    entries = _check_directory(entries, limits)
    names = _content_names([e.filename for e in entries], filename)
    files = {}
    for entry in entries:
        files[names[entry.filename]] = _read(archive, entry, limits)
    if sum(len(d) for d in files.values()) > limits.total_bytes:
        raise UploadError("The files unpack to more than the allowed total size.")
    for name in files:
        problem = path_problem(name)
        if problem:
            raise UploadError(problem)
    module = _module_of(files)
    if module is not None:
        files = {name.split("/", 2)[2]: data for name, data in files.items()}
    return Upload(files, module)


def _check_directory(entries: list[zipfile.ZipInfo], limits: Limits) -> list[zipfile.ZipInfo]:
    """The file entries, after checking every name, kind and declared size: nothing is unpacked yet."""
    files = []
    for entry in entries:
        name = entry.filename
        if _FINDER_LITTER.search(name):
            continue
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadError(f"'{name}' is a link (shortcut): put the file itself in the zip.")
        if entry.is_dir():
            problem = _shape_problem(name.rstrip("/"))
            if problem:
                raise UploadError(problem)
            continue
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: no Unix type recorded (zips made on Windows)
            raise UploadError(f"'{name}' is not a regular file.")
        problem = _shape_problem(name) or _type_problem(name)
        if problem:
            raise UploadError(problem)
        if entry.flag_bits & 0x1:
            raise UploadError(f"'{name}' is encrypted: upload a zip without a password.")
        if entry.file_size > limits.file_bytes:
            raise UploadError(f"'{name}' is larger than {limits.file_bytes // (1024 * 1024)} MB.")
        files.append(entry)
        if len(files) > limits.files:
            raise UploadError(f"The zip holds more than {limits.files} files.")
    if not files:
        raise UploadError("The zip holds no files.")
    if sum(e.file_size for e in files) > limits.total_bytes:
        raise UploadError(f"The files unpack to more than {limits.total_bytes // (1024 * 1024)} MB.")
    if len({e.filename for e in files}) != len(files):
        raise UploadError("The zip holds two files with the same name.")
    return files


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: Limits) -> bytes:
    """The entry's bytes, refusing more than it declared (a zip bomb lies about its sizes)."""
    allowed = min(entry.file_size, limits.file_bytes)
    try:
        with archive.open(entry) as stream:
            data = stream.read(allowed + 1)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError):
        raise UploadError(f"'{entry.filename}' cannot be unpacked (damaged, or an unsupported compression).") from None
    if len(data) > allowed:
        raise UploadError(f"'{entry.filename}' unpacks to more than it declares: the zip is refused.")
    return data


def _content_names(names: list[str], filename: str) -> dict[str, str]:
    """Zip names -> names in the content tree: one folder around everything (e.g. content/) is dropped,
    and a module's own files (index.md at the top) are put under modules/<folder or zip name>/."""
    parts = [n.split("/") for n in names]
    top = {p[0] for p in parts}
    strip = len(top) == 1 and not top & {*TOP_FOLDERS, *TOP_FILES} and all(len(p) > 1 for p in parts)
    inner = ["/".join(p[1:]) if strip else "/".join(p) for p in parts]
    if "index.md" in inner:
        slug = next(iter(top)) if strip else filename.rpartition("/")[2].rsplit(".", 1)[0]
        if not _SLUG.match(slug):
            raise UploadError(
                f"The module folder '{slug}' needs a name in lowercase letters, digits and hyphens "
                "(it becomes the module's address)."
            )
        inner = [f"modules/{slug}/{n}" for n in inner]
    return dict(zip(names, inner, strict=False))


def _module_of(files: dict[str, bytes]) -> str | None:
    """The module's slug when every file is inside one modules/<slug>/ folder (a module upload), else None."""
    parts = [name.split("/") for name in files]
    if all(len(p) > 2 and p[0] == "modules" for p in parts):
        slugs = {p[1] for p in parts}
        if len(slugs) == 1 and f"modules/{next(iter(slugs))}/index.md" in files:
            return next(iter(slugs))
    return None
