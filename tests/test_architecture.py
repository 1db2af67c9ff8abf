"""What a package offers the others, held to docs/architecture.md (import-linter holds the layers' direction).

A feature package offers its `api.py` (reads and operations), `models.py` and `forms.py`, and the modules
named in PUBLIC, each with what it is for; every other module is the package's own business. `lms.content` is
a library (the pure core: parser, checks, the immutable Catalog) and all of it is public. A new import of
another package's private module fails here: offer it through the package's api.py, or name the module
here with a reason.
"""

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[1] / "lms"
OFFERED = {"api", "models", "forms"}
LIBRARIES = {"content"}
PUBLIC = {
    "auth": {
        "operations": "accounts made, found and changed by the packages that bring people in (rosters, admin, invites)",
        "messages": "the reset mail and its link, which admins and trainers send for a person",
        "cli": "the `users` command group, which the roster import joins",
    },
    "cohorts": {
        "access": "who may see which trainee: the one rule every staff page checks",
        "roster": "cohorts and their members, for trainers' pages and joining by code",
    },
    "assessments": {
        "attempts": "starting, grading and reading role-play attempts (trainers' grading, the lesson page)",
        "scoring": "the one scoring rule, for authors' practice runs and trainers' analytics",
    },
    "reading": {"progress": "lesson progress: opening, finishing, and the rows completion counts"},
    "certificates": {
        "issue": "claiming, approving and changing certificates; the issuer's public address and settings",
        "credentials": "the Open Badges credential format, which the portfolio's credential shares",
        "keys": "the issuer's signing keys, which also sign portfolio credentials",
        "pdf": "PDF rendering, which the portfolio's PDF shares",
        "verification": "the public record a verifier sees, which a portfolio share shows",
        "transcript": "the transcript a trainee and their trainer download",
        "reminders": "certificates expiring soon, for the dashboard",
    },
}


def _packages() -> set[str]:
    return {p.name for p in LMS.iterdir() if (p / "__init__.py").exists() and p.name != "migrations"}


def _imports_of_other_packages():
    """(importing file, line, package, module) for each import of a module of another package."""
    packages = _packages()
    for path in sorted(LMS.rglob("*.py")):
        rel = path.relative_to(LMS)
        if rel.parts[0] not in packages or rel.parts[0] == "migrations":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            target = [*rel.parts[:-1][: len(rel.parts) - node.level], *(node.module or "").split(".")]
            target = [part for part in target if part]
            if not target or target[0] == rel.parts[0] or target[0] not in packages:
                continue
            if len(target) > 1:
                yield rel, node.lineno, target[0], target[1]
            else:  # `from ..package import module` (a name from the package's __init__ is not a module)
                for alias in node.names:
                    if (LMS / target[0] / f"{alias.name}.py").exists():
                        yield rel, node.lineno, target[0], alias.name


def test_packages_import_only_what_other_packages_offer():
    private = [
        f"lms/{rel}:{line}: {package}.{module}"
        for rel, line, package, module in _imports_of_other_packages()
        if package not in LIBRARIES and module not in OFFERED and module not in PUBLIC.get(package, {})
    ]
    assert private == [], "imports of another package's private modules:\n" + "\n".join(private)


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_every_module_named_public_exists_and_is_used_by_another_package(package):
    used = {module for _, _, target, module in _imports_of_other_packages() if target == package}
    for module in PUBLIC[package]:
        assert (LMS / package / f"{module}.py").exists(), f"{package}.{module}"
        assert module in used, f"{package}.{module} is named public but no other package imports it"
