"""What a shared portfolio says, frozen when the share link is made: plain data for the page, PDF, JSON and credential.

A snapshot is taken once, stored with the share link as JSON and never changed, so the signed credential,
the PDF and the page a board opens all say the same thing for the link's whole life. Only a certificate's
status is looked up live (its verification link), because a board must learn of a revocation.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Confirmation:
    """Who vouched for an entry: its supervisor (or the trainer who accepted outside training), and when."""

    by: str
    #: "supervisor" or "trainer"
    role: str
    decided_at: datetime
    #: "supervisor account", "emailed link" or "trainer review"
    via: str
    comment: str | None = None
    #: the domain of the supervisor's email address (e.g. "clinic.org"): whom to ask, without their address
    domain: str | None = None

    @property
    def how(self) -> str:
        """How it was confirmed, in words: "the emailed link (an address at clinic.org)"."""
        return f"the {self.via}" + (f" (an address at {self.domain})" if self.domain else "")


@dataclass(frozen=True)
class VerifiedEntry:
    """One confirmed entry: supervised experience, a supervision session, outside training or outside CE."""

    #: stable within the snapshot, e.g. "experience-12": the anchor on the shared page
    key: str
    #: experience, supervision, training or ce
    kind: str
    #: the requirement it counts toward (a progress.Requirement key), e.g. "experience" or "training"
    requirement: str
    on: date
    hours: float
    description: str
    confirmation: Confirmation
    #: the uploaded file behind outside training or CE (served through the open share link), if any
    evidence_id: int | None = None
    evidence_name: str | None = None


@dataclass(frozen=True)
class SharedCertificate:
    """A course certificate issued here, with the address where its live status is checked."""

    id: str
    title: str
    course_title: str
    #: hours by domain, or {"total": n} for a course that gives one figure
    hours: dict
    total_hours: float
    issued_on: date
    verify_url: str


@dataclass(frozen=True)
class RequirementTotal:
    """A requirement of the pathway the trainee chose to share: hours asked for and hours verified."""

    key: str
    label: str
    required: float
    verified: float

    @property
    def met(self) -> bool:
        return self.verified >= self.required


@dataclass(frozen=True)
class Certification:
    """The board's certificate the holder recorded, when they have one."""

    number: str
    certified_on: date


@dataclass(frozen=True)
class PortfolioSnapshot:
    """Everything a board is shown for one share link."""

    #: a UUID: the credential's id is urn:uuid:<id>; it never contains the link's secret token
    id: str
    holder_name: str
    pathway_slug: str
    pathway_name: str
    issued_at: datetime
    expires_at: datetime
    #: name, accreditation, approving body and signatory when the snapshot was taken
    issuer: dict
    requirements: tuple[RequirementTotal, ...] = ()
    entries: tuple[VerifiedEntry, ...] = ()
    certificates: tuple[SharedCertificate, ...] = ()
    certification: Certification | None = None
    #: the share link's position in the portfolio status list
    status_index: int = 0
    #: requirement key -> label, for entries whose requirement was shared without its total
    labels: dict = field(default_factory=dict)

    def entries_for(self, requirement: str) -> list[VerifiedEntry]:
        """The entries behind one requirement's total, oldest first."""
        return sorted((e for e in self.entries if e.requirement == requirement), key=lambda e: e.on)

    def certificates_for(self, requirement: str) -> list[SharedCertificate]:
        """The certificates whose hours count toward a training requirement ("training" or "training.<domain>")."""
        if requirement == "training":
            return list(self.certificates)
        domain = requirement.split(".", 1)[1] if requirement.startswith("training.") else None
        return [c for c in self.certificates if domain is not None and domain in c.hours]


def to_json(snapshot: PortfolioSnapshot) -> dict:
    """A JSON-ready dict (dates as ISO text) to store with the share link."""
    return _plain(asdict(snapshot))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def from_json(data: dict) -> PortfolioSnapshot:
    """The snapshot stored by `to_json`, as frozen dataclasses again."""
    certification = data.get("certification")
    return PortfolioSnapshot(
        id=data["id"],
        holder_name=data["holder_name"],
        pathway_slug=data["pathway_slug"],
        pathway_name=data["pathway_name"],
        issued_at=datetime.fromisoformat(data["issued_at"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        issuer=dict(data["issuer"]),
        requirements=tuple(RequirementTotal(**r) for r in data["requirements"]),
        entries=tuple(_entry(e) for e in data["entries"]),
        certificates=tuple(
            SharedCertificate(**{**c, "issued_on": date.fromisoformat(c["issued_on"])}) for c in data["certificates"]
        ),
        certification=Certification(certification["number"], date.fromisoformat(certification["certified_on"]))
        if certification
        else None,
        status_index=data["status_index"],
        labels=dict(data.get("labels") or {}),
    )


def _entry(data: dict) -> VerifiedEntry:
    confirmation = dict(data["confirmation"], decided_at=datetime.fromisoformat(data["confirmation"]["decided_at"]))
    return VerifiedEntry(**{**data, "on": date.fromisoformat(data["on"]), "confirmation": Confirmation(**confirmation)})
