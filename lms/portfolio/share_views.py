"""Sharing a portfolio: the holder's links, and what a board opens with one (page, PDF, credential, JSON).

The board's pages need no account and are rate-limited with certificate verification (one allowance per
client). An unknown, expired or revoked token answers 404 with nothing about the portfolio, and every
answer to a token is kept out of caches, search engines and Referer headers.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from ..certificates import keys
from ..certificates.issue import issuer_settings, public_base
from ..certificates.models import Certificate
from ..certificates.pdf import credential_attachment, render_pdf
from ..certificates.verification import public_record
from ..clock import utcnow
from ..content import catalog
from ..extensions import db, limiter
from . import credential, share
from .models import Evidence, PathwayChoice
from .share_forms import ShareForm
from .share_models import PortfolioShare

bp = Blueprint("portfolio_share", __name__, url_prefix="/portfolio")
api = Blueprint("portfolio_api", __name__, url_prefix="/api/v1/portfolios")
#: the same allowance as every way of looking a certificate up
verify_limit = limiter.limit("VERIFY_RATE_LIMIT", scope="verify")
#: public, read-only data a board's own tools may fetch from another origin
CORS_ENDPOINTS = {"portfolio_api.portfolio", "portfolio_share.status_list"}


@bp.after_request
@api.after_request
def _private(response: Response) -> Response:
    if request.view_args and "token" in request.view_args:
        # The token is the key to the portfolio: never in a cache, an index, or another site's Referer.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if request.endpoint in CORS_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/shares/")
@login_required
def shares():
    """The holder's share links, the link made a moment ago (shown once), and the pathways they can share."""
    made = session.pop("new_share_link", None)
    slugs = db.session.scalars(select(PathwayChoice.pathway_slug).where(PathwayChoice.user_id == current_user.id))
    chosen = [p for p in (catalog().pathway(slug) for slug in slugs) if p is not None]
    return render_template(
        "portfolio/shares.html",
        shares=share.shares_of(current_user.id),
        made=made,
        pathways=sorted(chosen, key=lambda p: p.title),
        now=utcnow(),
    )


@bp.route("/shares/new/<pathway_slug>", methods=["GET", "POST"])
@login_required
def new_share(pathway_slug: str):
    pathway = catalog().pathway(pathway_slug)
    if pathway is None:
        abort(404)
    choices = share.shareable(current_user.id, pathway)
    form, problem = ShareForm(), None
    form.requirements.choices = [
        (r.key, f"{r.label}: {r.done:g} of {r.required:g} hours verified") for r in choices["requirements"]
    ]
    form.entries.choices = [
        (
            e.key,
            (
                f"{e.on.isoformat()} · {credential.KIND_NAMES[e.kind]} · {e.hours:g} hours · "
                f"{e.description} (confirmed by {e.confirmation.by})"
            ),
        )
        for e in choices["entries"]
    ]
    form.certificates.choices = [
        (c.id, f"{c.title} ({c.id}), {c.total_hours:g} hours") for c in choices["certificates"]
    ]
    if form.validate_on_submit():
        selection = {
            "requirements": form.requirements.data,
            "entries": form.entries.data,
            "certificates": form.certificates.data,
            "certification": bool(form.certification.data and choices["progress"].certification),
        }
        try:
            snapshot = share.take_snapshot(current_user, pathway, selection, form.days.data, public_base())
            made, token = share.create(current_user, form.label.data or "", selection, snapshot, public_base())
        except share.ShareError as exc:
            problem = str(exc)
        else:
            db.session.commit()
            session["new_share_link"] = {"id": made.id, "url": url_for(".shared", token=token, _external=False)}
            flash("Your share link is ready. Copy it now: for your safety it is shown only once.", "success")
            return redirect(url_for(".shares"))
    return render_template(
        "portfolio/share_new.html",
        form=form,
        pathway=pathway,
        problem=problem,
        certified=choices["progress"].certification,
        empty=not (choices["requirements"] or choices["entries"] or choices["certificates"]),
    ), 200 if request.method == "GET" else 422


@bp.route("/shares/<int:share_id>/revoke", methods=["POST"])
@login_required
def revoke(share_id: int):
    found = db.session.get(PortfolioShare, share_id)
    if found is None or found.user_id != current_user.id:
        abort(404)
    share.revoke(found, current_user.id)
    db.session.commit()
    flash(f"The link “{found.label}” is closed: it no longer opens your portfolio.", "success")
    return redirect(url_for(".shares"))


def _open(token: str) -> PortfolioShare:
    found = share.find_open(token)
    if found is None:
        abort(404)
    return found


def _certificate_status(snapshot) -> dict:
    """Each shared certificate's live public record: a revocation since sharing must show."""
    ids = [c.id for c in snapshot.certificates]
    found = {c.id: c for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(ids)))} if ids else {}
    return {cid: public_record(found[cid]) for cid in ids if cid in found}


@bp.route("/shared/<token>")
@verify_limit
def shared(token: str):
    found = _open(token)
    snapshot = share.snapshot_of(found)
    return render_template(
        "portfolio/shared.html",
        snap=snapshot,
        token=token,
        live=_certificate_status(snapshot),
        kinds=credential.KIND_NAMES,
        checked_at=utcnow(),
    )


@bp.route("/shared/<token>/portfolio.pdf")
@verify_limit
def shared_pdf(token: str):
    found = _open(token)
    snapshot = share.snapshot_of(found)
    html = render_template(
        "portfolio/shared_pdf.html",
        snap=snapshot,
        kinds=credential.KIND_NAMES,
        entries=sorted(snapshot.entries, key=lambda e: (e.on, e.key)),
        jwks_url=public_base() + "/.well-known/jwks.json",
    )
    attachment = credential_attachment("portfolio-credential.jwt", found.credential, snapshot.issued_at)
    pdf = render_pdf(html, current_app.static_folder, attachments=[attachment], archival=True)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="portfolio-{snapshot.pathway_slug}.pdf"'},
    )


@bp.route("/shared/<token>/credential.jwt")
@verify_limit
def shared_credential(token: str):
    found = _open(token)
    return Response(
        found.credential,
        mimetype="application/vc+jwt",
        headers={"Content-Disposition": 'attachment; filename="portfolio-credential.jwt"'},
    )


@bp.route("/shared/<token>/evidence/<int:evidence_id>")
@verify_limit
def shared_evidence(token: str, evidence_id: int):
    """The file behind shared outside training or CE: only a file the holder shared, only while the link is open."""
    snapshot = share.snapshot_of(_open(token))
    if evidence_id not in {e.evidence_id for e in snapshot.entries if e.evidence_id is not None}:
        abort(404)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        abort(404)
    return Response(
        evidence.data,
        mimetype=evidence.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{evidence.id}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@bp.route("/status")
@verify_limit
def status_list():
    """The signed portfolio status list: one bit per share link, set when its holder revoked it."""
    base = public_base()
    body = credential.status_list_credential(share.revoked_indexes(), base, issuer_settings(), utcnow())
    key = keys.active_key()
    token = keys.sign(credential.jwt_claims(body), key, f"{base}/keys/{key.kid}")
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@api.route("/<token>")
@verify_limit
def portfolio(token: str):
    """The shared portfolio as JSON, with its signed credential and each certificate's live status."""
    found = _open(token)
    snapshot = share.snapshot_of(found)
    live = _certificate_status(snapshot)
    return jsonify(
        {
            "holder": snapshot.holder_name,
            "pathway": {"slug": snapshot.pathway_slug, "title": snapshot.pathway_name},
            "issuer": {k: v for k, v in snapshot.issuer.items() if k in ("name", "accreditation", "accredited_by")},
            "prepared": snapshot.issued_at.isoformat() + "Z",
            "shared_until": snapshot.expires_at.isoformat() + "Z",
            "certification": {
                "number": snapshot.certification.number,
                "certified_on": snapshot.certification.certified_on.isoformat(),
            }
            if snapshot.certification
            else None,
            "requirements": [
                {"key": r.key, "label": r.label, "required_hours": r.required, "verified_hours": r.verified}
                for r in snapshot.requirements
            ],
            "certificates": [
                {
                    "id": c.id,
                    "title": c.title,
                    "course": c.course_title,
                    "hours": c.hours,
                    "total_hours": c.total_hours,
                    "issued": c.issued_on.isoformat(),
                    "verify_url": c.verify_url,
                    "status": live.get(c.id, {}).get("status", "not_found"),
                }
                for c in snapshot.certificates
            ],
            "entries": [
                {
                    "kind": e.kind,
                    "date": e.on.isoformat(),
                    "hours": e.hours,
                    "description": e.description,
                    "counts_toward": e.requirement,
                    "confirmed_by": {
                        "name": e.confirmation.by,
                        "role": e.confirmation.role,
                        "on": e.confirmation.decided_at.date().isoformat(),
                        "via": e.confirmation.via,
                        "email_domain": e.confirmation.domain,
                        "comment": e.confirmation.comment,
                    },
                }
                for e in sorted(snapshot.entries, key=lambda e: (e.on, e.key))
            ],
            "credential": found.credential,
            "jwks": public_base() + "/.well-known/jwks.json",
            "checked_at": utcnow().replace(microsecond=0).isoformat() + "Z",
        }
    )
