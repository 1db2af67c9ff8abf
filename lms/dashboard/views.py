"""The trainee's dashboard: where they are in each course, what to do next, and their certificates."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import update

from ..assessments.api import open_attempts
from ..assessments.attempts import recently_graded
from ..auth.api import account
from ..auth.forms import ProfileForm
from ..auth.models import User
from ..auth.operations import change_names
from ..certificates import transcript as certificate_transcript
from ..certificates.api import certificates_of, live_certificates_of, status_notices, valid_first
from ..certificates.reminders import expiring
from ..completion.api import course_status, learner, resume_points
from ..content import catalog, content_state, previewing
from ..database import begin_write
from ..extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("")
@login_required
def index():
    record = learner(current_user.id)
    statuses = [course_status(catalog(), c, record) for c in catalog().visible_courses()]
    started = [s for s in statuses if s.started]
    resume, also = resume_points(catalog(), statuses, record, open_attempts(current_user.id))
    certificates = certificates_of(current_user.id)
    return render_template(
        "dashboard/index.html",
        news=_news(),
        started=started,
        others=[s for s in statuses if not s.started],
        resume=resume,
        also=also,
        certificates=valid_first(certificates),
        status_changes=status_notices(certificates),
        expiring=expiring(current_user.id),
        graded=recently_graded(current_user.id),
        catalog=catalog(),
    )


@bp.route("/transcript.<fmt>")
@login_required
def transcript(fmt: str):
    """The trainee's own transcript of hours (CSV or PDF)."""
    return certificate_transcript.download(catalog(), current_user, fmt)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The account's names: the one shown on the site and the legal name printed on certificates."""
    # Here rather than in lms.auth: it reads the person's certificates, and auth sits below certificates.
    user = account(current_user)
    issued = live_certificates_of(user.id)
    form = ProfileForm(obj=user) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        changed = change_names(user, form.display_name.data, form.legal_name.data)
        db.session.commit()
        message = "Your details have been saved." if changed else "Nothing changed."
        if "legal_name" in changed and any(cert.holder_name != user.legal_name for cert in issued):
            message += (
                " Certificates already issued keep the name printed on them: a trainer corrects an issued "
                "certificate by re-issuing it, so ask your trainer if one needs the new name."
            )
        flash(message, "success")
        return redirect(url_for(".profile"))
    return render_template("auth/profile.html", form=form, issued=issued), 200 if request.method == "GET" else 422


def _news() -> str | None:
    """The live version's "What's new" note, shown to each trainee once (then marked seen): None otherwise.

    Trainees who joined after it was written, staff, and previews are not shown it.
    """
    state = content_state()
    if (
        state.note is None
        or current_user.is_staff
        or previewing()
        or current_user.news_seen == state.fingerprint
        or current_user.created_at > state.note[1]
    ):
        return None
    begin_write()
    db.session.execute(update(User).where(User.id == current_user.id).values(news_seen=state.fingerprint))
    db.session.commit()
    return state.note[0]
