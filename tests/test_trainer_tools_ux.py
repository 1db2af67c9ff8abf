"""Trainer tools in plain words (issue #19): errors name what the trainer sees, revoking needs a confirmation,
the grading page says what is at stake, and the progress matrix puts its summary columns first."""

import re
from html import unescape

from sqlalchemy import select
from test_trainers import coach, make_cohort  # noqa: F401 (a fixture)

from lms.assessments.models import AttemptStep
from lms.cohorts.roster import add_member
from lms.extensions import db

from helpers import post
from test_certificate_notices import coach_for
from test_certificates import certified, only_certificate  # noqa: F401 (a fixture)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def error_summary(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "the page has an error summary"
    return text(found.group(0))


def test_grading_errors_name_the_rubric_line_not_the_field(app, coach, client, trainee):
    from test_assessments_views import take_listening_to_the_written_scene

    cohort = make_cohort()
    add_member(cohort, trainee)
    db.session.commit()
    attempt_id, _ = take_listening_to_the_written_scene(client)
    step = db.session.scalar(select(AttemptStep).where(AttemptStep.answer.is_not(None)))
    page = coach.get(f"/staff/grading/{attempt_id}").get_data(as_text=True)
    assert "To pass, the attempt needs" in page, "the grading page says what the grade decides"
    response = post(
        coach, f"/staff/grading/{attempt_id}", {f"c{step.id}_0": "", f"c{step.id}_1": "3"}, page="/staff/grading/"
    )
    assert response.status_code == 422
    summary = error_summary(response.get_data(as_text=True))
    assert f"C{step.id} 0" not in summary and f"c{step.id}_0" not in summary
    assert "Reflects the feeling Sam named (0 to 2): Give a score for this criterion." in summary
    assert "Invites Sam to say more without advice (0 to 1): Use a whole number from 0 to 1." in summary
    assert f'href="#c{step.id}_0"' in response.get_data(as_text=True), "each error still links to its field"


def test_revoking_needs_a_confirmation_and_nothing_changes_without_it(app, certified, make_user):
    coach = coach_for(app, make_user, certified)
    page = f"/staff/certificates/{certified.id}"
    form = coach.get(page).get_data(as_text=True)
    assert "I understand that revoking cannot be undone" in form
    unconfirmed = post(
        coach, page, {"form": "status", "status-action": "revoke", "status-reason": "Issued in error"}, page=page
    )
    assert unconfirmed.status_code == 422 and only_certificate().status == "valid"
    shown = unconfirmed.get_data(as_text=True)
    assert "Tick the box to confirm that you want to revoke this certificate." in error_summary(shown)
    assert "Issued in error" in shown, "the form keeps what the trainer wrote"
    suspended = post(
        coach, page, {"form": "status", "status-action": "suspend", "status-reason": "Complaint"}, page=page
    )
    assert suspended.status_code == 302 and only_certificate().status == "suspended", "suspending is reversible: no box"
    confirmed = post(
        coach,
        page,
        {"form": "status", "status-action": "revoke", "status-reason": "Issued in error", "status-confirm": "y"},
        page=page,
    )
    assert confirmed.status_code == 302 and only_certificate().status == "revoked"


def test_progress_matrix_puts_the_summary_columns_next_to_the_name(app, coach, trainee):
    cohort = make_cohort()
    add_member(cohort, trainee)
    db.session.commit()
    page = coach.get(f"/staff/cohorts/{cohort.id}").get_data(as_text=True)
    header = re.search(r'<table class="data matrix">\s*<thead>(.*?)</thead>', page, re.S).group(1)
    columns = [text(c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", header, re.S)]
    assert columns[:5] == ["Trainee", "Complete", "Last active", "Reading", "Live"], columns
    assert columns[5:] == ["Listening", "Safety First"]
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    cells = [text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    assert cells[0] == "Test Person" and cells[1] == "0 of 2" and cells[2] == "Never"
