"""Admin pages: the user list with search, and one page per account."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select

from .. import audit, site_settings
from ..auth import role_required
from ..auth.messages import request_reset, reset_link
from ..auth.models import User
from ..auth.operations import create_reset
from ..extensions import db
from ..inputs import query_int
from ..mail import deliver_after
from .forms import ActiveForm, AuthorForm, RoleForm
from .operations import AdminError, change_role, set_active, set_author

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 50


@bp.route("/two-factor", methods=["POST"])
@role_required("admin")
def require_two_factor():
    """Require (or stop requiring) two-factor sign-in for every trainer and admin."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    required = request.form.get("required") == "1"
    site_settings.put("require_staff_2fa", "1" if required else "0")
    audit.record("settings.staff_two_factor", None, required=required)
    db.session.commit()
    flash(
        "Two-factor sign-in is now required for staff."
        if required
        else "Two-factor sign-in is now optional for staff.",
        "success",
    )
    return redirect(url_for(".users"))


@bp.route("/users/")
@role_required("admin")
def users():
    query = request.args.get("q", "").strip()
    page = query_int("page", 1, low=1, high=100_000)
    stmt = select(User).order_by(User.created_at.desc())
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            or_(User.email.like(like), func.lower(User.display_name).like(like), func.lower(User.legal_name).like(like))
        )
    rows = db.session.scalars(stmt.limit(PAGE + 1).offset((page - 1) * PAGE)).all()
    return render_template(
        "admin/users.html",
        users=rows[:PAGE],
        more=len(rows) > PAGE,
        page=page,
        query=query,
        required=site_settings.staff_two_factor_required(current_app.config),
        forced=current_app.config["REQUIRE_STAFF_2FA"],
        form=FlaskForm(),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user(user_id: int):
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    role_form, active_form = RoleForm(prefix="role"), ActiveForm(prefix="active")
    author_form = AuthorForm(prefix="author")
    link = None
    try:
        if request.form.get("form") == "role" and role_form.validate_on_submit():
            change_role(account, role_form.role.data, role_form.reason.data, current_user)
            db.session.commit()
            flash(f"{account.email} is now a {account.role}. Their sessions were ended.", "success")
            return redirect(url_for(".user", user_id=account.id))
        if request.form.get("form") == "active" and active_form.validate_on_submit():
            set_active(account, not account.active, active_form.reason.data, current_user)
            db.session.commit()
            flash(f"{account.email} is now {'active' if account.active else 'deactivated'}.", "success")
            return redirect(url_for(".user", user_id=account.id))
        if request.form.get("form") == "author" and author_form.validate_on_submit():
            set_author(account, not account.can_author, author_form.reason.data, current_user)
            db.session.commit()
            flash(f"{account.email} {'may now' if account.can_author else 'may no longer'} publish content.", "success")
            return redirect(url_for(".user", user_id=account.id))
        if request.form.get("form") == "reset" and FlaskForm().validate_on_submit():
            if current_app.config.get("MAIL_SERVER"):
                # Through the outbox: the link is made and sent after the response, never on this request.
                request_reset(account.email)
                audit.record("auth.reset_link_emailed", f"user:{account.id}")
                db.session.commit()
                flash(f"A reset link is on its way to {account.email}.", "success")
                return deliver_after(redirect(url_for(".user", user_id=account.id)))
            link = reset_link(create_reset(account))
            db.session.commit()
    except AdminError as exc:
        flash(str(exc), "error")
    if request.method == "GET":
        role_form.role.data = account.role
    return render_template(
        "admin/user.html",
        account=account,
        role_form=role_form,
        active_form=active_form,
        author_form=author_form,
        reset_form=FlaskForm(),
        link=link,
    ), 200 if request.method == "GET" or link else 422


@bp.route("/audit/")
@role_required("admin")
def audit_log():
    """The whole audit log: admins only, as it names every account (trainers see a certificate's own events)."""
    events = db.session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.at.desc()).limit(500)).all()
    names = audit.labels({e.actor for e in events} | {e.subject for e in events})
    return render_template("admin/audit.html", events=events, names=names)
