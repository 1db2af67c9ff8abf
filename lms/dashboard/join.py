"""Joining a cohort by its code or link (/join/<code>), signed in or not: the link survives sign-up."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..cohorts.models import Cohort
from ..cohorts.roster import add_member, cohort_by_code
from ..content import catalog
from ..extensions import db
from .forms import JoinForm

bp = Blueprint("join", __name__, url_prefix="/join")


@bp.route("", methods=["GET", "POST"])
@bp.route("/<code>", methods=["GET", "POST"])
def join(code: str | None = None):
    """Join a cohort by its code. Signed out, the link names the cohort and is kept through sign-up or sign-in."""
    if not current_user.is_authenticated:
        return _invite(code)
    found = cohort_by_code(code) if code and request.method == "GET" else None
    invite = session.get("invite")
    if found is not None and isinstance(invite, dict) and invite.get("code") == found.join_code:
        # They saw this invitation signed out, then registered or signed in to accept it: join without a second form.
        session.pop("invite")
        return _joined(found)
    form = JoinForm()
    if request.method == "GET" and code:
        form.code.data = code
    if form.validate_on_submit():
        found = cohort_by_code(form.code.data)
        if found is None:
            form.code.errors.append("No cohort has that code. Check it with your trainer.")
        else:
            return _joined(found)
    return render_template(
        "dashboard/join.html", form=form, cohort=found, course=found and catalog().course(found.course_slug)
    ), 200 if request.method == "GET" else 422


def _invite(code: str | None):
    """The signed-out join page: which cohort the link is for, and the way in that keeps the link."""
    if request.method == "POST" or not code:
        return redirect(url_for("auth.login", next=url_for(".join", code=code) if code else url_for(".join")))
    found = cohort_by_code(code)
    if found is None:
        return render_template("dashboard/invite.html", cohort=None, course=None), 404
    course = catalog().course(found.course_slug)
    session["invite"] = {"code": found.join_code, "cohort": found.name, "course": course.title if course else ""}
    return render_template(
        "dashboard/invite.html", cohort=found, course=course, next=url_for(".join", code=found.join_code)
    )


def _joined(cohort: Cohort):
    session.pop("invite", None)
    added = add_member(cohort, current_user)
    db.session.commit()
    flash(f"You joined “{cohort.name}”." if added else f"You are already in “{cohort.name}”.", "success")
    return redirect(url_for("courses.course", course_slug=cohort.course_slug))
