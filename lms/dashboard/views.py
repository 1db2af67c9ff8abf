"""The trainee's dashboard: where they are in each course, what to do next, and their certificates."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..assessments.attempts import recently_graded
from ..certificates.api import certificates_of, status_notices, valid_first
from ..certificates.reminders import expiring
from ..completion.api import COMPLETE, WAITING, course_status, learner
from ..content import catalog

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("")
@login_required
def index():
    record = learner(current_user.id)
    statuses = [course_status(catalog(), c, record) for c in catalog().visible_courses()]
    started = [s for s in statuses if s.started]
    latest = max(record.lessons.values(), key=lambda r: r.last_opened_at, default=None)
    resume = _resume(latest, statuses)
    certificates = certificates_of(current_user.id)
    return render_template("dashboard/index.html", started=started, others=[s for s in statuses if not s.started],
                           resume=resume, certificates=valid_first(certificates), status_changes=status_notices(certificates),
                           expiring=expiring(current_user.id), graded=recently_graded(current_user.id), catalog=catalog())


def _resume(latest, statuses):
    """(course, module) to continue: the lesson last opened, or the next one if it is done."""
    if latest is None:
        return None
    status = next((s for s in statuses if s.course.slug == latest.course_slug), None)
    if status is None:
        return None
    for item in status.modules:
        if item.module.slug == latest.module_slug and item.state not in (COMPLETE, WAITING):
            return status.course, item.module
    if status.next_module is not None:
        return status.course, status.next_module
    return None
