"""Helpers for building content folders in tests."""
from pathlib import Path
from textwrap import dedent

COURSE = """\
---
title: T
modules: [m]
---
Body.
"""
LESSON = """\
---
title: M
---
# M

Text.
"""


def write_content(root: Path, files: dict[str, str]) -> Path:
    """Write a content folder: a minimal valid course and module, overridden by `files`."""
    defaults = {"courses/t.md": COURSE, "modules/m/index.md": LESSON}
    for rel, text in {**defaults, **files}.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text) if text.startswith("\n") else text)
    return root
