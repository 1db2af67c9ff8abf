"""A certificate's own pages for its holder (and staff who may see them): view, PDF, signed credential."""

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from ..auth.models import User
from ..cohorts import access
from ..extensions import db
from .api import stored_pdf
from .models import Certificate

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def _own_or_staff(cert_id: str) -> Certificate:
    """The certificate if it is the current user's or staff who may see its holder; 404 otherwise."""
    cert = db.session.get(Certificate, cert_id)
    if cert is None or not access.owner_or_visible(current_user, cert.user_id):
        abort(404)
    return cert


@bp.route("/<cert_id>")
@login_required
def detail(cert_id: str):
    cert = _own_or_staff(cert_id)
    return render_template(
        "certificates/detail.html",
        cert=cert,
        status=cert.effective_status(),
        holder=db.session.get(User, cert.user_id) if cert.user_id else None,
    )


@bp.route("/<cert_id>/certificate.pdf")
@login_required
def pdf(cert_id: str):
    """The PDF stored at issue (a hot read of two columns), no rendering."""
    stored = stored_pdf(cert_id)
    if stored is None or not access.owner_or_visible(current_user, stored[0]):
        abort(404)
    return Response(
        stored[1],
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{cert_id}.pdf"'},
    )


@bp.route("/<cert_id>/credential.jwt")
@login_required
def credential_download(cert_id: str):
    cert = _own_or_staff(cert_id)
    return Response(
        cert.credential,
        mimetype="application/vc+jwt",
        headers={"Content-Disposition": f'attachment; filename="certificate-{cert.id}.jwt"'},
    )
