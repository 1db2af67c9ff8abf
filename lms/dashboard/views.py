"""The trainee's dashboard: where they are in each course, what to do next, and their certificates."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..assessments.api import open_attempts
from ..assessments.attempts import recently_graded
from ..certificates.api import certificates_of, status_notices, valid_first
from ..certificates.reminders import expiring
from ..completion.api import course_status, learner, resume_points
from ..content import catalog

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("")
@login_required
def index():
    record = learner(current_user.id)
    statuses = [course_status(catalog(), c, record) for c in catalog().visible_courses()]
    started = [s for s in statuses if s.started]
    resume, also = resume_points(catalog(), statuses, record, open_attempts(current_user.id))
    certificates = certificates_of(current_user.id)
    return render_template("dashboard/index.html", started=started, others=[s for s in statuses if not s.started],
                           resume=resume, also=also, certificates=valid_first(certificates),
                           status_changes=status_notices(certificates), expiring=expiring(current_user.id),
                           graded=recently_graded(current_user.id), catalog=catalog())
