"""Trainers' certificate pages: the list, approving requests, and managing one certificate."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth import role_required
from ..auth.models import User
from ..certificates.api import find_certificates, pending_requests
from ..certificates.forms import DecisionForm, RecertifyForm, ReissueForm, StatusForm
from ..certificates.issue import IssueError, allow_recertification, approve, change_status, decline, reissue
from ..certificates.models import Certificate, CertificateRequest
from ..cohorts import access
from ..content import catalog
from ..extensions import db

bp = Blueprint("staff_certificates", __name__, url_prefix="/staff/certificates")


@bp.route("/")
@role_required("trainer", "admin")
def staff_list():
    query = request.args.get("q", "").strip()
    certificates = find_certificates(query, access.trainee_filter(current_user, Certificate.user_id))
    requests_ = pending_requests(access.trainee_filter(current_user, CertificateRequest.user_id))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in requests_})))}
    return render_template(
        "certificates/staff_list.html",
        certificates=certificates,
        query=query,
        requests=requests_,
        users=users,
        form=DecisionForm(),
    )


@bp.route("/requests/<int:request_id>", methods=["POST"])
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


@bp.route("/<cert_id>", methods=["GET", "POST"])
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
    events = db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.subject == f"certificate:{cert.id}")
        .order_by(audit.AuditEvent.at)
    ).all()
    return render_template(
        "certificates/manage.html",
        cert=cert,
        status=cert.effective_status(),
        status_form=status_form,
        reissue_form=reissue_form,
        recertify_form=recertify_form,
        events=events,
    ), 200 if request.method == "GET" else 422
