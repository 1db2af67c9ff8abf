"""Each browser save as a commit in the content repository, authored by the trainer who saved.

Only when LMS_CONTENT_REPO is a local working copy (a folder with a .git); a remote URL is only fetched
(lms.publishing.git). git runs without a shell, with a time limit, without the system or user
configuration, and commits only the one file saved, whatever else is in the working tree.
"""

import os
import subprocess  # nosec B404 - git is run with an argument list, never a shell
from pathlib import Path

from .archive import path_problem


class SaveError(Exception):
    """The save could not be committed, in words for the author."""


def working_copy(config) -> Path | None:
    """The content folder inside the configured local working copy, or None when saves are not committed."""
    repo = config.get("CONTENT_REPO")
    if not repo or "://" in repo or not (Path(repo) / ".git").exists():
        return None
    root = Path(repo)
    inner = config.get("CONTENT_REPO_PATH")
    if inner:
        return root / inner
    # As the fetch reads it: content/ when the repository has one, else the top of the repository.
    return root / "content" if (root / "content").is_dir() else root


def commit_file(
    folder: Path, path: str, data: bytes | None, name: str, email: str, message: str, timeout: int = 60
) -> str:
    """Write (or, with data None, delete) one content file in the working copy and commit it; the commit's id."""
    problem = path_problem(path)
    if problem:
        raise SaveError(problem)
    top = Path(_git(folder, ["rev-parse", "--show-toplevel"], name, email, timeout).strip())
    target = folder / path
    if target.resolve().parent != target.parent.resolve() or top.resolve() not in target.resolve().parents:
        raise SaveError("That file is outside the content repository.")
    rel = target.resolve().relative_to(top.resolve()).as_posix()
    if data is None:
        target.unlink(missing_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    _git(top, ["add", "--all", "--", rel], name, email, timeout)
    status = _git(top, ["status", "--porcelain", "--", rel], name, email, timeout)
    if not status.strip():
        return _git(top, ["rev-parse", "HEAD"], name, email, timeout).strip()  # nothing changed
    _git(top, ["commit", "--quiet", "--no-verify", "-m", message, "--", rel], name, email, timeout)
    return _git(top, ["rev-parse", "HEAD"], name, email, timeout).strip()


def _git(where: Path, args: list[str], name: str, email: str, timeout: int) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(where),
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": "Peer Specialist Training editor",
        "GIT_COMMITTER_EMAIL": email,
    }
    try:
        done = subprocess.run(
            ["git", "-C", str(where), *args],
            capture_output=True,
            text=True,  # nosec B603 B607
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SaveError(f"git could not be run ({exc.__class__.__name__}).") from None
    if done.returncode != 0:
        raise SaveError("git refused the commit: " + (done.stderr.strip().splitlines() or ["no reason given"])[-1])
    return done.stdout
