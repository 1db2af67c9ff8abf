"""Fetching content from a git repository an admin configured, with the real git client.

git runs without a shell, with a time limit, no terminal prompts, no system or user configuration,
only the https, ssh and file transports, and links checked out as plain files. Credentials are
read-only and never on the command line: a token goes in an HTTP header through git's environment
configuration, an SSH key through GIT_SSH_COMMAND. Links and submodules in the repository are left out,
as is anything that is not content (README, CI files...); those are listed for the author.
"""

import base64
import os
import shlex
import subprocess  # nosec B404 - git is run with an argument list, never a shell
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .archive import Limits, path_problem


class FetchError(Exception):
    """The repository could not be fetched, in words for the author (never the token)."""


@dataclass(frozen=True)
class GitSource:
    repo: str
    branch: str = "main"
    #: the content folder inside the repository (None: content/ if there is one, else the top)
    path: str | None = None
    token: str | None = None
    ssh_key: str | None = None
    #: SSH host keys to trust (None: the server account's ~/.ssh/known_hosts); unknown hosts are refused
    known_hosts: str | None = None
    timeout: int = 25

    @property
    def label(self) -> str:
        """The repository without any credentials in it, for pages and the audit log."""
        repo = self.repo
        if "://" in repo and "@" in repo.split("://", 1)[1].split("/", 1)[0]:
            scheme, rest = repo.split("://", 1)
            repo = f"{scheme}://{rest.split('@', 1)[1]}"
        return f"{repo} ({self.branch})"


@dataclass(frozen=True)
class Fetched:
    files: dict[str, bytes]
    commit: str
    #: files in the content folder that are not content and were left out, with why
    skipped: tuple[str, ...]


def source_from_config(config) -> GitSource | None:
    """The configured repository (LMS_CONTENT_REPO...), or None when there is none."""
    if not config.get("CONTENT_REPO"):
        return None
    return GitSource(
        config["CONTENT_REPO"],
        config.get("CONTENT_BRANCH") or "main",
        config.get("CONTENT_REPO_PATH"),
        config.get("CONTENT_REPO_TOKEN"),
        config.get("CONTENT_REPO_SSH_KEY"),
        config.get("CONTENT_REPO_KNOWN_HOSTS"),
        int(config.get("CONTENT_GIT_TIMEOUT") or 25),
    )


def fetch(source: GitSource, limits: Limits) -> Fetched:
    """Clone the branch (one commit deep) into a temporary folder and read its content files."""
    if source.repo.startswith("-") or source.branch.startswith("-"):
        raise FetchError("The repository or branch name is not valid.")
    with tempfile.TemporaryDirectory(prefix="lms-git-") as work:
        checkout = Path(work) / "repo"
        _git(
            source,
            work,
            "clone",
            "--depth",
            "1",
            "--single-branch",
            "--no-tags",
            "--branch",
            source.branch,
            "--",
            source.repo,
            str(checkout),
        )
        commit = _git(source, work, "-C", str(checkout), "rev-parse", "HEAD").strip()
        listing = _git(source, work, "-C", str(checkout), "ls-tree", "-r", "-z", "--full-tree", "HEAD")
        files, skipped = _read_tree(checkout, listing, source.path, limits)
        return Fetched(files, commit, skipped)


def _read_tree(checkout: Path, listing: str, path: str | None, limits: Limits) -> tuple[dict[str, bytes], tuple]:
    entries = []
    for record in filter(None, listing.split("\0")):
        meta, name = record.split("\t", 1)
        mode, kind, _ = meta.split(" ")
        entries.append((mode, kind, name))
    names = {name for _, _, name in entries}
    root = (path or ("content" if any(n.startswith("content/") for n in names) else "")).strip("/")
    prefix = f"{root}/" if root else ""
    files, skipped, total = {}, [], 0
    for mode, kind, name in entries:
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix) :]
        if kind != "blob" or mode == "120000":
            skipped.append(f"{rel}: a link or submodule, left out")
            continue
        problem = path_problem(rel)
        if problem:
            skipped.append(f"{rel}: not content, left out")
            continue
        data = (checkout / name).read_bytes()
        total += len(data)
        if len(data) > limits.file_bytes or total > limits.total_bytes or len(files) >= limits.files:
            raise FetchError(f"The content in the repository is too large (at '{rel}').")
        files[rel] = data
    if not files:
        raise FetchError(f"No content found in the repository{f' under {root}/' if root else ''}.")
    return files, tuple(skipped)


def _git(source: GitSource, home: str, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,  # no user configuration (credential helpers, aliases...) from the server account
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "https:ssh:file",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.symlinks",
        "GIT_CONFIG_VALUE_0": "false",
    }
    if source.token:
        # As an HTTP header (GitHub, GitLab and Gitea accept a token as a Basic password), never in the URL.
        basic = base64.b64encode(f"x-access-token:{source.token}".encode()).decode()
        env.update(
            {
                "GIT_CONFIG_COUNT": "2",
                "GIT_CONFIG_KEY_1": "http.extraHeader",
                "GIT_CONFIG_VALUE_1": f"Authorization: Basic {basic}",
            }
        )
    if source.ssh_key:
        known = source.known_hosts or os.path.expanduser("~/.ssh/known_hosts")
        env["GIT_SSH_COMMAND"] = (
            f"ssh -i {shlex.quote(source.ssh_key)} -o IdentitiesOnly=yes -o BatchMode=yes "
            f"-o UserKnownHostsFile={shlex.quote(known)} -o StrictHostKeyChecking=yes"
        )
    try:
        result = subprocess.run(
            ["git", *args],
            env=env,
            capture_output=True,
            timeout=source.timeout,  # nosec B603 B607 - the git on PATH, with an argument list, never a shell
            check=False,
            text=True,
            errors="replace",
        )
    except subprocess.TimeoutExpired:
        raise FetchError(f"git took longer than {source.timeout} seconds; try again later.") from None
    except OSError:
        raise FetchError("git is not installed on the server.") from None
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["git failed"])[-1]
        if source.token:
            message = message.replace(source.token, "…")
        raise FetchError(f"git could not fetch {source.label}: {message}")
    return result.stdout
