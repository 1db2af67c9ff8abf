"""Load `content/` into a Catalog, reporting every problem as `file:line: message`.

The same function backs the app's start-up, `flask --app lms content check` and the tests. A
course is never half-loaded: any error means no Catalog at all.
"""

import dataclasses
import hashlib
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from .catalog import Attestation, Catalog, CertificateSpec, Competency, Course, Module
from .files import why_not_served
from .frontmatter import FrontMatter, parse_yaml, split
from .markdown import render
from .pathways import ICRC_DOMAINS, parse_pathway
from .problems import Collector, ContentError, Problem
from .quiz_parser import parse_guide, parse_quiz

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = "use lowercase letters, digits and hyphens"
MODULE_KEYS = {"title", "summary", "minutes", "competencies", "content_note", "draft", "domain"}
COURSE_KEYS = {"title", "modules", "hours", "live", "attestation", "certificate", "summary", "draft"}
CERTIFICATE_KEYS = {"title", "validity_months", "approval"}
ATTESTATION_KEYS = {"title"}
COMPETENCY_KEYS = {"name", "description"}
APPROVALS = ("automatic", "trainer")


def load_catalog(root: str | Path) -> Catalog:
    """Load a content directory, or raise ContentError listing every error found."""
    catalog, problems = _Loader(Path(root)).load()
    if catalog is None:
        raise ContentError([p for p in problems if not p.warning])
    return catalog


def check_content(root: str | Path) -> tuple[Catalog | None, list[Problem]]:
    """The catalog (None if there is any error) and every error and warning, sorted by file and line."""
    catalog, problems = _Loader(Path(root)).load()
    return catalog, sorted(problems)


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems = Collector()

    def load(self) -> tuple[Catalog | None, list[Problem]]:
        if not self.root.is_dir():
            self.problems.error(str(self.root), 1, "content folder not found")
            return None, self.problems.problems
        competencies, competencies_fp = self._competencies()
        attestations = self._attestations()
        support = self._support()
        modules = self._modules(competencies)
        courses = self._courses(modules, attestations, competencies_fp)
        pathways = self._pathways(courses, modules)
        if self.problems.errors:
            return None, self.problems.problems
        catalog = Catalog(
            courses=courses,
            modules=modules,
            competencies=competencies or {},
            attestations=attestations,
            fingerprint=fingerprint(
                *(c.fingerprint for c in courses.values()),
                *(m.fingerprint for m in modules.values()),
                *(p.fingerprint for p in pathways.values()),
            ),
            root=self.root,
            warnings=tuple(self.problems.warnings),
            support=support,
            pathways=pathways,
        )
        return catalog, self.problems.problems

    # -- competencies.yaml -------------------------------------------------------------------

    def _competencies(self) -> tuple[dict[str, Competency] | None, str]:
        path = self.root / "competencies.yaml"
        if not path.exists():
            return None, ""
        text = self._read(path)
        if text is None:
            return {}, ""
        parsed = parse_yaml(text, str(path), self.problems)
        if parsed is None:
            return {}, ""
        data, lines = parsed
        data = data or {}
        if not isinstance(data, dict):
            self.problems.error(
                str(path), 1, "competencies.yaml must map each competency id to its name and description"
            )
            return {}, ""
        result = {}
        for cid, value in data.items():
            line = lines.get(str(cid), 1)
            if not isinstance(cid, str) or not SLUG.match(cid):
                self.problems.error(str(path), line, f"competency id '{cid}' is not valid: {SLUG_RULE}")
                continue
            if isinstance(value, str):
                value = {"name": value}
            if not isinstance(value, dict):
                self.problems.error(
                    str(path), line, f"competency '{cid}' needs 'name:' (and optionally 'description:')"
                )
                continue
            for key in value.keys() - COMPETENCY_KEYS:
                self.problems.error(
                    str(path),
                    lines.get(f"{cid}.{key}", line),
                    f"unknown key '{key}' in competency '{cid}' (allowed: name, description)",
                )
            name = value.get("name") or cid.replace("-", " ").capitalize()
            result[cid] = Competency(cid, str(name), str(value.get("description") or ""))
        return result, fingerprint(text)

    # -- attestations ------------------------------------------------------------------------

    def _attestations(self) -> dict[str, Attestation]:
        result = {}
        for path in self._markdown_files(self.root / "attestations"):
            fm = self._front_matter(path, ATTESTATION_KEYS)
            if fm is None:
                continue
            title = self._text(fm, path, "title", required=True)
            rendered = self._render(fm, path)
            result[path.stem] = Attestation(
                path.stem, title or path.stem, rendered.html, fingerprint(path.read_bytes()), path
            )
        return result

    def _support(self) -> Attestation | None:
        """content/support.md (optional): crisis lines for this deployment's trainees."""
        path = self.root / "support.md"
        if not path.is_file():
            return None
        fm = self._front_matter(path, ATTESTATION_KEYS)
        if fm is None:
            return None
        rendered = self._render(fm, path)
        return Attestation(
            "support",
            self._text(fm, path, "title", required=True) or "Need support now?",
            rendered.html,
            fingerprint(path.read_bytes()),
            path,
        )

    # -- modules -----------------------------------------------------------------------------

    def _modules(self, competencies: dict | None) -> dict[str, Module]:
        folder = self.root / "modules"
        result: dict[str, Module] = {}
        if not folder.is_dir():
            return result
        for module_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            module = self._module(module_dir, competencies)
            if module is not None:
                result[module.slug] = module
        return result

    def _module(self, module_dir: Path, competencies: dict | None) -> Module | None:
        index = module_dir / "index.md"
        if not SLUG.match(module_dir.name):
            self.problems.error(
                str(module_dir), 1, f"module folder name '{module_dir.name}' is not a valid slug: {SLUG_RULE}"
            )
            return None
        if not index.is_file():
            self.problems.error(str(index), 1, "lesson file is missing: every module folder needs an index.md")
            return None
        fm = self._front_matter(index, MODULE_KEYS)
        if fm is None:
            return None
        title = self._text(fm, index, "title", required=True)
        minutes = self._int(fm, index, "minutes", default=0, minimum=0)
        listed = self._slug_list(fm, index, "competencies")
        self._check_competencies(listed, competencies, fm, index, "competencies")
        rendered = self._render(fm, index)
        if len(rendered.h1s) > 1:
            self.problems.warn(
                str(index),
                fm.body_line,
                "the lesson has more than one '#' heading; use '##' for sections so the page has one title",
            )
        self._unserved_files(module_dir)
        quizzes = []
        for quiz_path in sorted(module_dir.glob("*.quiz.md")):
            text = self._read(quiz_path)
            if text is not None:
                quiz = parse_quiz(str(quiz_path), text, competencies, self.problems)
                if quiz is not None:
                    quizzes.append(self._with_guide(module_dir, quiz))
        self._orphan_guides(module_dir)
        return Module(
            slug=module_dir.name,
            title=title or module_dir.name,
            summary=self._text(fm, index, "summary") or "",
            minutes=minutes,
            competencies=tuple(listed),
            html=rendered.html,
            toc=rendered.toc,
            heading=rendered.h1s[0] if rendered.h1s else None,
            words=rendered.words,
            fingerprint=self._folder_fingerprint(module_dir),
            path=index,
            content_note=self._text(fm, index, "content_note"),
            draft=self._bool(fm, index, "draft"),
            domain=self._domain(fm, index),
            assessments=tuple(quizzes),
            sections=rendered.sections,
        )

    def _with_guide(self, module_dir: Path, quiz):
        """Attach the grader's guide `<slug>.guide.md`, if there is one (staff only, never served)."""
        path = module_dir / f"{quiz.slug}.guide.md"
        if not path.is_file():
            return quiz
        text = self._read(path)
        if text is None:
            return quiz
        return dataclasses.replace(quiz, guide=parse_guide(str(path), text, quiz, self.problems))

    def _orphan_guides(self, module_dir: Path) -> None:
        for path in sorted(module_dir.glob("*.guide.md")):
            quiz_name = path.name[: -len(".guide.md")] + ".quiz.md"
            if not (module_dir / quiz_name).is_file():
                self.problems.error(
                    str(path), 1, f"this grader's guide has no role-play beside it: expected {quiz_name}"
                )

    def _unserved_files(self, module_dir: Path) -> None:
        """Warn about each file in the module folder that is neither one of its sources nor served."""
        for path in sorted(module_dir.rglob("*")):
            rel = path.relative_to(module_dir).as_posix()
            if any(part.startswith(".") for part in rel.split("/")):
                continue  # hidden files (.gitkeep, .DS_Store) are left out of the content entirely
            problem = why_not_served(module_dir, rel)
            if problem:
                self.problems.warn(str(path), 1, problem)

    def _domain(self, fm: FrontMatter, path: Path) -> str | None:
        domain = self._text(fm, path, "domain")
        if domain is not None and not SLUG.match(domain):
            self.problems.error(
                str(path), fm.line("domain"), f"domain '{domain}' is not valid: {SLUG_RULE} (e.g. ethics)"
            )
            return None
        return domain

    @staticmethod
    def _folder_fingerprint(folder: Path) -> str:
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
        return fingerprint(*(item for p in files for item in (p.relative_to(folder).as_posix(), p.read_bytes())))

    # -- courses -----------------------------------------------------------------------------

    def _courses(self, modules: dict, attestations: dict, competencies_fp: str) -> dict[str, Course]:
        result = {}
        for path in self._markdown_files(self.root / "courses"):
            course = self._course(path, modules, attestations, competencies_fp)
            if course is not None:
                result[course.slug] = course
        return result

    def _course(self, path: Path, modules: dict, attestations: dict, competencies_fp: str) -> Course | None:
        fm = self._front_matter(path, COURSE_KEYS)
        if fm is None:
            return None
        title = self._text(fm, path, "title", required=True)
        slugs = self._slug_list(fm, path, "modules", required=True)
        for i, slug in enumerate(slugs):
            if slug not in modules and SLUG.match(slug):
                if (self.root / "modules" / slug).is_dir():
                    continue  # the module exists but has its own errors, reported there
                self.problems.error(
                    str(path),
                    fm.lines.get(f"modules[{i}]", fm.line("modules")),
                    f"unknown module '{slug}': there is no folder modules/{slug}/",
                )
        for i, slug in enumerate(slugs):
            if slug in modules and modules[slug].draft:
                self.problems.warn(
                    str(path),
                    fm.lines.get(f"modules[{i}]", fm.line("modules")),
                    f"module '{slug}' is a draft: trainees will not see it in this course until you remove 'draft: true'",
                )
        if len(set(slugs)) != len(slugs):
            self.problems.error(str(path), fm.line("modules"), "a module is listed twice in 'modules'")
        attestation = self._text(fm, path, "attestation")
        if attestation and attestation not in attestations:
            self.problems.error(
                str(path),
                fm.line("attestation"),
                f"unknown attestation '{attestation}': there is no attestations/{attestation}.md",
            )
        rendered = self._render(fm, path)
        hours, live = self._hours(fm, path), self._live(fm, path)
        self._check_hours_backed(fm, path, hours, live, [modules[s] for s in slugs if s in modules])
        parts: list[bytes | str] = [path.read_bytes(), competencies_fp]
        parts += [modules[s].fingerprint for s in slugs if s in modules]
        if attestation in attestations:
            parts.append(attestations[attestation].fingerprint)
        return Course(
            slug=path.stem,
            title=title or path.stem,
            modules=tuple(slugs),
            hours=hours,
            live=live,
            description=rendered.html,
            certificate=self._certificate(fm, path, title or path.stem),
            fingerprint=fingerprint(*parts),
            path=path,
            attestation=attestation,
            summary=self._text(fm, path, "summary") or "",
            draft=self._bool(fm, path, "draft"),
        )

    def _hours(self, fm: FrontMatter, path: Path) -> dict[str, float]:
        value = fm.data.get("hours", 0)
        line = fm.line("hours")
        if _is_number(value) and value >= 0:
            return {"total": float(value)} if value else {}
        if isinstance(value, dict) and value:
            hours = {}
            for domain, amount in value.items():
                if not isinstance(domain, str) or not SLUG.match(domain):
                    self.problems.error(
                        str(path),
                        fm.lines.get(f"hours.{domain}", line),
                        f"hours domain '{domain}' is not valid: {SLUG_RULE}",
                    )
                elif not _is_number(amount) or amount < 0:
                    self.problems.error(
                        str(path),
                        fm.lines.get(f"hours.{domain}", line),
                        f"hours for '{domain}' must be a number of hours, 0 or more",
                    )
                else:
                    hours[domain] = float(amount)
            return hours
        self.problems.error(
            str(path),
            line,
            "hours must be a number (hours: 40) or hours per domain (hours: {ethics: 16, mentoring: 10})",
        )
        return {}

    def _live(self, fm: FrontMatter, path: Path) -> dict[str, float]:
        """`live: {ethics: 8}`: hours of trainer-led sessions per domain that a trainee must attend."""
        value = fm.data.get("live") or {}
        line = fm.line("live")
        if not isinstance(value, dict):
            self.problems.error(str(path), line, "live must be hours per domain, e.g. live: {ethics: 8, mentoring: 4}")
            return {}
        live = {}
        for domain, amount in value.items():
            where = fm.lines.get(f"live.{domain}", line)
            if not isinstance(domain, str) or not SLUG.match(domain):
                self.problems.error(str(path), where, f"live domain '{domain}' is not valid: {SLUG_RULE}")
            elif not _is_number(amount) or amount <= 0:
                self.problems.error(str(path), where, f"live hours for '{domain}' must be a number of hours above 0")
            else:
                live[domain] = float(amount)
        return live

    def _check_hours_backed(self, fm: FrontMatter, path: Path, hours: dict, live: dict, modules: list) -> None:
        """Hours are earned, never declared: each domain's claim is at most its modules' minutes plus its live hours."""
        minutes: dict[str | None, int] = {}
        for module in modules:
            if not module.draft:
                minutes[module.domain] = minutes.get(module.domain, 0) + module.minutes
        line = fm.line("hours")
        if set(hours) == {"total"}:
            backed = Fraction(sum(minutes.values()), 60) + _fraction(sum(live.values()))
            if _fraction(hours["total"]) > backed:
                self.problems.error(
                    str(path),
                    line,
                    f"hours: {hours['total']:g} is more than the course backs: "
                    f"{_hours_text(backed)} ({sum(minutes.values())} minutes of modules + "
                    f"{sum(live.values()):g} live hours); lower hours, or add module minutes or live hours",
                )
            return
        for domain, claim in hours.items():
            backed = Fraction(minutes.get(domain, 0), 60) + _fraction(live.get(domain, 0))
            if _fraction(claim) > backed:
                self.problems.error(
                    str(path),
                    fm.lines.get(f"hours.{domain}", line),
                    f"hours for '{domain}' claim {claim:g}, but the course backs only {_hours_text(backed)} "
                    f"({minutes.get(domain, 0)} minutes of modules with domain: {domain} + "
                    f"{live.get(domain, 0):g} live hours)",
                )

    def _certificate(self, fm: FrontMatter, path: Path, course_title: str) -> CertificateSpec:
        block = fm.data.get("certificate")
        line = fm.line("certificate")
        if block is None:
            return CertificateSpec(title=course_title)
        if not isinstance(block, dict):
            self.problems.error(
                str(path), line, "certificate must be a block of keys: title, validity_months, approval"
            )
            return CertificateSpec(title=course_title)
        for key in sorted(block.keys() - CERTIFICATE_KEYS, key=str):
            self.problems.error(
                str(path),
                fm.lines.get(f"certificate.{key}", line),
                f"unknown key '{key}' in certificate (allowed: {', '.join(sorted(CERTIFICATE_KEYS))})",
            )
        title = block.get("title", course_title)
        if not isinstance(title, str) or not title.strip():
            self.problems.error(str(path), fm.lines.get("certificate.title", line), "certificate title must be text")
            title = course_title
        months = block.get("validity_months")
        if months is not None and (not isinstance(months, int) or isinstance(months, bool) or months < 1):
            self.problems.error(
                str(path),
                fm.lines.get("certificate.validity_months", line),
                "validity_months must be a whole number of months, 1 or more (omit it for certificates that never expire)",
            )
            months = None
        approval = block.get("approval", "automatic")
        if approval not in APPROVALS:
            self.problems.error(
                str(path),
                fm.lines.get("certificate.approval", line),
                f"approval must be 'automatic' or 'trainer', not '{approval}'",
            )
            approval = "automatic"
        return CertificateSpec(title=title.strip(), validity_months=months, approval=approval)

    # -- pathways ----------------------------------------------------------------------------

    def _pathways(self, courses: dict, modules: dict) -> dict:
        """content/pathways/<slug>.yaml (optional): the credentials a trainee can track in their portfolio."""
        folder = self.root / "pathways"
        if not folder.is_dir():
            return {}
        # A domain is known if IC&RC uses it or any course or module here counts hours toward it.
        domains = set(ICRC_DOMAINS) | {d for c in courses.values() for d in c.hours if d != "total"}
        domains |= {m.domain for m in modules.values() if m.domain}
        result = {}
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            if path.suffix != ".yaml":
                self.problems.error(str(path), 1, f"'{path.name}' is not a pathway file: name it <slug>.yaml")
                continue
            if not SLUG.match(path.stem):
                self.problems.error(str(path), 1, f"file name '{path.stem}' is not a valid slug: {SLUG_RULE}")
                continue
            text = self._read(path)
            if text is None:
                continue
            pathway = parse_pathway(str(path), path.stem, text, domains, set(courses), self.problems)
            if pathway is not None:
                result[pathway.slug] = dataclasses.replace(pathway, fingerprint=fingerprint(text), path=str(path))
        return result

    # -- shared helpers ----------------------------------------------------------------------

    def _markdown_files(self, folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        files = []
        for path in sorted(folder.glob("*.md")):
            if path.name.startswith("."):
                continue
            if not SLUG.match(path.stem):
                self.problems.error(str(path), 1, f"file name '{path.stem}' is not a valid slug: {SLUG_RULE}")
                continue
            files.append(path)
        return files

    def _read(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.problems.error(str(path), 1, f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8")
        except OSError as exc:
            self.problems.error(str(path), 1, f"cannot read the file: {exc.strerror}")
        return None

    def _front_matter(self, path: Path, allowed: set[str]) -> FrontMatter | None:
        text = self._read(path)
        if text is None:
            return None
        fm = split(text, str(path), self.problems)
        if fm is None:
            return None
        for key in fm.data:
            if key not in allowed:
                self.problems.error(
                    str(path),
                    fm.line(str(key)),
                    f"unknown front-matter key '{key}' (allowed: {', '.join(sorted(allowed))})",
                )
        return fm

    def _render(self, fm: FrontMatter, path: Path):
        rendered = render(fm.body)
        for line, message in rendered.warnings:
            self.problems.warn(str(path), fm.body_line + line, message)
        return rendered

    def _text(self, fm: FrontMatter, path: Path, key: str, required: bool = False) -> str | None:
        value = fm.data.get(key)
        if value is None:
            if required:
                self.problems.error(str(path), 1, f"'{key}' is required in the front matter")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
            self.problems.error(str(path), fm.line(key), f"'{key}' must be text")
            return None
        return str(value).strip()

    def _int(self, fm: FrontMatter, path: Path, key: str, default: int, minimum: int) -> int:
        value = fm.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problems.error(str(path), fm.line(key), f"'{key}' must be a whole number, {minimum} or more")
            return default
        return value

    def _bool(self, fm: FrontMatter, path: Path, key: str) -> bool:
        value = fm.data.get(key, False)
        if not isinstance(value, bool):
            self.problems.error(str(path), fm.line(key), f"'{key}' must be true or false")
            return False
        return value

    def _slug_list(self, fm: FrontMatter, path: Path, key: str, required: bool = False) -> list[str]:
        value = fm.data.get(key)
        if value is None:
            if required:
                self.problems.error(
                    str(path), 1, f"'{key}' is required in the front matter, e.g. {key}: [first-slug, second-slug]"
                )
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or (required and not value):
            self.problems.error(
                str(path), fm.line(key), f"'{key}' must be a list, e.g. {key}: [first-slug, second-slug]"
            )
            return []
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not SLUG.match(item):
                self.problems.error(
                    str(path),
                    fm.lines.get(f"{key}[{i}]", fm.line(key)),
                    f"'{item}' in '{key}' is not a valid slug: {SLUG_RULE}",
                )
            else:
                result.append(item)
        return result

    def _check_competencies(
        self, ids: list[str], competencies: dict | None, fm: FrontMatter, path: Path, key: str
    ) -> None:
        if competencies is None:
            return
        for i, cid in enumerate(ids):
            if cid not in competencies:
                self.problems.error(
                    str(path),
                    fm.lines.get(f"{key}[{i}]", fm.line(key)),
                    f"unknown competency '{cid}': add it to competencies.yaml or fix the spelling",
                )


def _fraction(value: float) -> Fraction:
    return Fraction(str(value))


def _hours_text(hours: Fraction) -> str:
    return f"{float(hours):.2f}".rstrip("0").rstrip(".") + " hours"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
