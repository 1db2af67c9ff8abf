"""Trainee and staff certificate pages: claim, view, download, approve, manage."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit, fastread
from ..cohorts import access
from ..auth import role_required
from ..auth.forms import ProfileForm
from ..auth.models import User
from ..content import catalog
from ..extensions import db
from .forms import ClaimForm, DecisionForm, RecertifyForm, ReissueForm, StatusForm
from .issue import IssueError, allow_recertification, approve, change_status, claim, decline, eligibility, reissue
from .models import LIVE, Certificate, CertificateRequest

bp = Blueprint("certificates", __name__)


def _own_or_staff(cert_id: str) -> Certificate:
    """The certificate if it is the current user's or staff who may see its holder; 404 otherwise."""
    cert = db.session.get(Certificate, cert_id)
    if cert is None or not access.owner_or_visible(current_user, cert.user_id):
        abort(404)
    return cert


@bp.route("/courses/<course_slug>/certificate", methods=["GET", "POST"])
@login_required
def claim_page(course_slug: str):
    course = catalog().course(course_slug)
    if course is None or (course.draft and not current_user.is_staff):
        abort(404)
    status = eligibility(current_user, catalog(), course)
    attestation = catalog().attestations.get(course.attestation) if course.attestation else None
    form = ClaimForm(attestation_title=attestation.title if attestation else None)
    if request.method == "GET":
        form.holder_name.data = current_user.legal_name
    elif status.blocked is None and form.validate_on_submit():  # revoked or suspended: 403, the page says why
        try:
            # One name, asked once: printed on the certificate and, with the tick, the attestation's typed signature.
            result = claim(current_user, catalog(), course, form.holder_name.data,
                           form.holder_name.data if attestation else None)
        except IssueError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".claim_page", course_slug=course.slug))
        if form.holder_name.data != current_user.legal_name:
            current_user.legal_name = form.holder_name.data
        db.session.commit()
        if isinstance(result, Certificate):
            flash("Congratulations! Your certificate has been issued.", "success")
            return redirect(url_for(".detail", cert_id=result.id))
        flash("Thank you. A trainer will review and approve your certificate; you will see it here once approved.", "success")
        return redirect(url_for(".claim_page", course_slug=course.slug))
    return render_template("certificates/claim.html", course=course, status=status, form=form,
                           attestation=attestation), 200 if request.method == "GET" else 403 if status.blocked else 422


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The account's names: the one shown on the site and the legal name printed on certificates."""
    # Here rather than in lms.auth: it reads the person's certificates, and auth sits below certificates.
    user = current_user._get_current_object()
    issued = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id, Certificate.status.in_(LIVE))
                                .order_by(Certificate.issued_at)).all()
    form = ProfileForm(obj=user) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        changed = [name for name in ("display_name", "legal_name") if getattr(user, name) != form[name].data]
        for name in changed:
            setattr(user, name, form[name].data)
        if changed:
            audit.record("account.names_changed", f"user:{user.id}", actor_id=user.id, fields=changed)
        db.session.commit()
        message = "Your details have been saved." if changed else "Nothing changed."
        if "legal_name" in changed and any(cert.holder_name != user.legal_name for cert in issued):
            message += (" Certificates already issued keep the name printed on them: a trainer corrects an issued "
                        "certificate by re-issuing it, so ask your trainer if one needs the new name.")
        flash(message, "success")
        return redirect(url_for(".profile"))
    return render_template("auth/profile.html", form=form, issued=issued), 200 if request.method == "GET" else 422


@bp.route("/certificates/<cert_id>")
@login_required
def detail(cert_id: str):
    cert = _own_or_staff(cert_id)
    return render_template("certificates/detail.html", cert=cert, status=cert.effective_status(),
                           holder=db.session.get(User, cert.user_id) if cert.user_id else None)


@bp.route("/certificates/<cert_id>/certificate.pdf")
@login_required
def pdf(cert_id: str):
    """The PDF stored at issue: one plain query (lms.fastread) for two columns, no rendering."""
    row = fastread.one("SELECT user_id, pdf FROM certificate WHERE id = :id", id=cert_id)
    if row is None or not access.owner_or_visible(current_user, row[0]):
        abort(404)
    return Response(bytes(row[1]), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{cert_id}.pdf"'})


@bp.route("/certificates/<cert_id>/credential.jwt")
@login_required
def credential_download(cert_id: str):
    cert = _own_or_staff(cert_id)
    return Response(cert.credential, mimetype="application/vc+jwt", headers={
        "Content-Disposition": f'attachment; filename="certificate-{cert.id}.jwt"'})


@bp.route("/staff/certificates/")
@role_required("trainer", "admin")
def staff_list():
    query = request.args.get("q", "").strip()
    stmt = (select(Certificate).where(access.trainee_filter(current_user, Certificate.user_id))
            .order_by(Certificate.issued_at.desc()).limit(200))
    if query:
        like = f"%{query}%"
        stmt = stmt.where(Certificate.holder_name.ilike(like) | Certificate.id.ilike(like.upper()))
    visible = access.trainee_filter(current_user, CertificateRequest.user_id)
    requests_ = db.session.scalars(select(CertificateRequest).where(CertificateRequest.state == "pending", visible)
                                   .order_by(CertificateRequest.requested_at)).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in requests_})))}
    return render_template("certificates/staff_list.html", certificates=db.session.scalars(stmt).all(), query=query,
                           requests=requests_, users=users, form=DecisionForm())


@bp.route("/staff/certificates/requests/<int:request_id>", methods=["POST"])
@role_required("trainer", "admin")
def decide(request_id: int):
    req = db.session.get(CertificateRequest, request_id)
    if req is None or not access.can_see_trainee(current_user, req.user_id):
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if request.form.get("decision") == "approve":
            cert = approve(req, catalog(), current_user)
            flash(f"Approved: certificate {cert.id} issued.", "success")
        else:
            decline(req, form.reason.data, current_user)
            flash("Request declined; the trainee will see your reason.", "info")
    except IssueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".staff_list"))
    db.session.commit()
    return redirect(url_for(".staff_list"))


@bp.route("/staff/certificates/<cert_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def manage(cert_id: str):
    cert = db.session.get(Certificate, cert_id, with_for_update=request.method == "POST" or None)
    if cert is None or not access.can_see_trainee(current_user, cert.user_id):
        abort(404)
    status_form, reissue_form = StatusForm(prefix="status"), ReissueForm(prefix="reissue")
    recertify_form = RecertifyForm(prefix="recertify")
    if request.method == "GET":
        reissue_form.holder_name.data = cert.holder_name
    try:
        if request.form.get("form") == "status" and status_form.validate_on_submit():
            change_status(cert, status_form.action.data, status_form.reason.data, current_user.id)
            db.session.commit()
            flash(f"Certificate {cert.id} is now {cert.status}.", "success")
            return redirect(url_for(".manage", cert_id=cert.id))
        if request.form.get("form") == "reissue" and reissue_form.validate_on_submit():
            new = reissue(cert, catalog(), reissue_form.holder_name.data, reissue_form.reason.data, current_user.id)
            db.session.commit()
            flash(f"Reissued as {new.id}. The old ID now verifies as replaced.", "success")
            return redirect(url_for(".manage", cert_id=new.id))
        if request.form.get("form") == "recertify" and recertify_form.validate_on_submit():
            allow_recertification(cert, recertify_form.reason.data, current_user.id)
            db.session.commit()
            flash("Re-certification allowed: the holder may now earn a new certificate for this course.", "success")
            return redirect(url_for(".manage", cert_id=cert.id))
    except IssueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    events = db.session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.subject == f"certificate:{cert.id}")
                                .order_by(audit.AuditEvent.at)).all()
    return render_template("certificates/manage.html", cert=cert, status=cert.effective_status(), status_form=status_form,
                           reissue_form=reissue_form, recertify_form=recertify_form,
                           events=events), 200 if request.method == "GET" else 422


@bp.route("/staff/audit/")
@role_required("admin")
def audit_log():
    """The whole audit log: admins only, as it names every account (trainers see a certificate's own events)."""
    events = db.session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.at.desc()).limit(500)).all()
    names = audit.labels({e.actor for e in events} | {e.subject for e in events})
    return render_template("certificates/audit.html", events=events, names=names)
