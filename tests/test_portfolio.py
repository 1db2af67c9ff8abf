"""The certification portfolio: progress toward a pathway, the trainee's records, evidence, and trainers' reviews."""

import io
import re
from datetime import date
from types import MappingProxyType

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

from lms.audit import AuditEvent
from lms.content import catalog
from lms.content.pathways import Board, Pathway, Training
from lms.extensions import db
from lms.portfolio.models import (
    BoardCertification,
    ContinuingEducation,
    EntryState,
    Evidence,
    ExperienceEntry,
    OutsideTraining,
    ReviewState,
    SupervisionSession,
)
from lms.portfolio.operations import (
    Locked,
    add_entry,
    add_outside_training,
    decide_entry,
    delete_pending,
    edit_pending,
    review,
    store_evidence,
)
from lms.portfolio.progress import progress

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, join_cohort_of, post


def test_models_and_migration_agree(app):
    ours = {
        "pathway_choice",
        "portfolio_evidence",
        "outside_training",
        "continuing_education",
        "experience_entry",
        "supervision_session",
        "exam_result",
        "board_certification",
    }
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), db.metadata)
    about_ours = [d for d in diffs if any(name in repr(d) for name in ours)]
    assert about_ours == []


def test_progress_counts_certificates_automatically_and_pending_entries_not_at_all(app, client, trainee):
    pathway = catalog().pathway("sample-credential")
    before = progress(trainee.id, pathway)
    assert [(r.key, r.required, r.done) for r in before.training] == [
        ("training.mentoring", 4, 0),
        ("training.ethics", 2, 0),
        ("training", 6, 0),
    ]
    pass_everything(app, client, trainee.id)
    assert claim(client).status_code == 302
    db.session.add_all(
        [
            ExperienceEntry(
                user_id=trainee.id,
                worked_on=date(2026, 10, 1),
                minutes=240,
                setting="Drop-in centre",
                activity="Peer support",
                supervisor_name="Sam Lee",
                supervisor_email="sam@example.org",
                state=EntryState.CONFIRMED,
            ),
            ExperienceEntry(
                user_id=trainee.id,
                worked_on=date(2026, 10, 2),
                minutes=90,
                setting="Drop-in centre",
                activity="Peer support",
                supervisor_name="Sam Lee",
                supervisor_email="sam@example.org",
            ),
            ExperienceEntry(
                user_id=trainee.id,
                worked_on=date(2026, 10, 3),
                minutes=600,
                setting="Drop-in centre",
                activity="Peer support",
                supervisor_name="Sam Lee",
                supervisor_email="sam@example.org",
                state=EntryState.DECLINED,
            ),
            SupervisionSession(
                user_id=trainee.id,
                held_on=date(2026, 10, 5),
                minutes=45,
                supervisor_name="Sam Lee",
                supervisor_email="sam@example.org",
            ),
        ]
    )
    db.session.commit()
    after = progress(trainee.id, pathway)
    by_key = {r.key: r for r in after.requirements}
    # The sample course's certificate carries mentoring 2 and ethics 1: counted without the trainee doing anything.
    assert (by_key["training.mentoring"].done, by_key["training.ethics"].done, by_key["training"].done) == (2, 1, 3)
    assert by_key["training"].remaining == 3
    assert [s.kind for s in after.training_sources] == ["certificate"]
    assert (by_key["experience"].done, by_key["experience"].pending, by_key["experience"].remaining) == (4, 1.5, 6)
    assert (by_key["supervision"].done, by_key["supervision"].pending) == (0, 0.75)
    assert not after.ready and after.next_steps
    page = client.get("/portfolio/pathways/sample-credential").get_data(as_text=True)
    assert "<strong>2 of 4 hours</strong>" in page and "<strong>3 of 6 hours</strong>" in page
    assert "Sample Course" in page, "the certificate behind the hours is listed"


# -- through the site ---------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXPERIENCE = {
    "worked_on": "2026-10-01",
    "hours": "7.5",
    "setting": "Peer-run drop-in centre",
    "activity": "One-to-one peer support",
    "supervisor_name": "Sam Lee",
    "supervisor_email": "Sam@Example.org",
}
SUPERVISION = {
    "held_on": "2026-10-02",
    "minutes": "60",
    "format": "group",
    "supervisor_name": "Sam Lee",
    "supervisor_email": "sam@example.org",
}


def signed_in(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


def upload_training(client, data: bytes = PDF, filename: str = "certificate.pdf", **fields):
    form = {
        "title": "Ethics for peer workers",
        "provider": "State Peer Network",
        "completed_on": "2026-09-15",
        "ethics": "6",
        "evidence": (io.BytesIO(data), filename),
        **fields,
    }
    response = post(client, "/portfolio/training/new", form, page="/portfolio/training/new")
    # The test client spools a large body to a temporary file and leaves it open (a ResourceWarning later).
    response.request.environ["wsgi.input"].close()
    return response


def upload_ce(client, data: bytes = PDF, filename: str = "ce.pdf", **fields):
    form = {
        "title": "Boundaries refresher",
        "provider": "State Peer Network",
        "completed_on": "2026-11-01",
        "hours": "4",
        "ethics_hours": "2",
        "evidence": (io.BytesIO(data), filename),
        **fields,
    }
    return post(client, "/portfolio/ce/new", form, page="/portfolio/ce/new")


def test_a_trainee_picks_a_pathway_and_sees_what_remains(app, client, trainee):
    home = client.get("/portfolio/")
    assert home.status_code == 200 and "Sample Credential" in home.get_data(as_text=True)
    chosen = post(client, "/portfolio/pathways", {"pathway": "sample-credential"}, page="/portfolio/")
    assert chosen.status_code == 302 and chosen.location == "/portfolio/pathways/sample-credential"
    page = client.get("/portfolio/pathways/sample-credential").get_data(as_text=True)
    assert "0 of 6 hours" in page and "0 of 10 hours" in page and "What to do next" in page
    assert "Log 10 more hours of supervised work experience." in page
    assert post(client, "/portfolio/pathways", {"pathway": "no-such-thing"}, page="/portfolio/").status_code == 302
    assert client.get("/portfolio/pathways/no-such-thing").status_code == 404
    assert "My portfolio" in client.get("/dashboard").get_data(as_text=True)


def test_logged_experience_and_supervision_wait_for_the_supervisor(app, client, trainee):
    assert post(client, "/portfolio/experience/new", EXPERIENCE, page="/portfolio/experience/new").status_code == 302
    assert post(client, "/portfolio/supervision/new", SUPERVISION, page="/portfolio/supervision/new").status_code == 302
    entry = db.session.scalars(select(ExperienceEntry)).one()
    assert (entry.minutes, entry.state, entry.supervisor_email) == (450, EntryState.PENDING, "sam@example.org")
    assert db.session.scalars(select(SupervisionSession)).one().format == "group"
    page = client.get("/portfolio/pathways/sample-credential").get_data(as_text=True)
    assert "<strong>0 of 10 hours</strong> · 7.5 waiting for confirmation · <strong>10 to go</strong>" in page
    records = client.get("/portfolio/records").get_data(as_text=True)
    assert "Sam Lee" in records and "Waiting" in records


def test_bad_entries_are_refused_with_the_input_kept(app, client, trainee):
    future = post(
        client,
        "/portfolio/experience/new",
        {**EXPERIENCE, "worked_on": "2999-01-01", "hours": "30", "supervisor_email": "not-an-email"},
        page="/portfolio/experience/new",
    )
    assert future.status_code == 422
    page = future.get_data(as_text=True)
    assert "This date is in the future" in page and "between 0.25 and 24 hours" in page
    assert "Please enter a valid email address." in page and "Peer-run drop-in centre" in page
    assert (
        post(
            client, "/portfolio/supervision/new", {**SUPERVISION, "minutes": "many"}, page="/portfolio/supervision/new"
        ).status_code
        == 422
    )
    assert db.session.scalars(select(ExperienceEntry)).all() == []


def test_evidence_must_really_be_a_pdf_png_or_jpeg_of_at_most_5_mb(app, client, trainee):
    html = upload_training(client, b"<html><script>alert(1)</script></html>", "certificate.pdf")
    assert html.status_code == 422 and "This file is not a PDF, PNG or JPEG file" in html.get_data(as_text=True)
    disguised = upload_training(client, PNG, "certificate.pdf")
    assert disguised.status_code == 422 and "content is PNG, but its name ends in .pdf" in disguised.get_data(
        as_text=True
    )
    program = upload_training(client, b"MZ\x90\x00" + b"\x00" * 100, "certificate.exe")
    assert program.status_code == 422
    too_big = upload_training(client, PDF + b"\x00" * (5 * 1024 * 1024 + 1 - len(PDF)))
    assert too_big.status_code == 422 and "the limit is 5 MB" in too_big.get_data(as_text=True)
    assert "Ethics for peer workers" in too_big.get_data(as_text=True), "the form keeps what was typed"
    far_too_big = upload_training(client, PDF + b"\x00" * (6 * 1024 * 1024))
    assert far_too_big.status_code == 413
    assert db.session.scalars(select(Evidence)).all() == [] and db.session.scalars(select(OutsideTraining)).all() == []
    good = upload_training(client, PNG, "scan.PNG")
    assert good.status_code == 302
    item = db.session.scalars(select(Evidence)).one()
    assert (item.media_type, item.size, item.filename) == ("image/png", len(PNG), "scan.PNG")
    assert post(client, "/portfolio/ce/new", {"title": "x"}, page="/portfolio/ce/new").status_code == 422
    no_hours = upload_training(client, ethics="")
    assert no_hours.status_code == 422
    assert re.search(r'id="advocacy-error">.*in at least one domain', no_hours.get_data(as_text=True)), (
        "shown at the hours"
    )
    assert db.session.scalars(select(Evidence)).one() == item, "nothing is stored from a refused form"


def test_evidence_is_served_as_a_download_to_its_owner_and_their_trainers_only(app, client, trainee, make_user):
    assert upload_training(client).status_code == 302
    item = db.session.scalars(select(Evidence)).one()
    url = f"/portfolio/evidence/{item.id}"
    mine = client.get(url)
    assert mine.status_code == 200 and mine.data == PDF and mine.mimetype == "application/pdf"
    assert mine.headers["Content-Disposition"] == 'attachment; filename="certificate.pdf"'
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    make_user(email="other@example.org")
    make_user(email="coach@example.org", role="trainer")
    make_user(email="rival@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    join_cohort_of("rival@example.org", make_user(email="someone@example.org").id)
    assert signed_in(app, "other@example.org").get(url).status_code == 404
    assert signed_in(app, "rival@example.org").get(url).status_code == 404
    assert signed_in(app, "coach@example.org").get(url).status_code == 200
    assert app.test_client().get(url).status_code == 302


def test_another_trainee_cannot_see_change_or_delete_your_entries(app, client, trainee, make_user):
    post(client, "/portfolio/experience/new", EXPERIENCE, page="/portfolio/experience/new")
    upload_training(client)
    entry = db.session.scalars(select(ExperienceEntry)).one()
    training = db.session.scalars(select(OutsideTraining)).one()
    make_user(email="other@example.org")
    other = signed_in(app, "other@example.org")
    assert other.get(f"/portfolio/experience/{entry.id}/edit").status_code == 404
    assert (
        post(
            other, f"/portfolio/experience/{entry.id}/edit", {**EXPERIENCE, "hours": "24"}, page="/portfolio/"
        ).status_code
        == 404
    )
    assert post(other, f"/portfolio/experience/{entry.id}/delete", page="/portfolio/").status_code == 404
    assert post(other, f"/portfolio/training/{training.id}/delete", page="/portfolio/").status_code == 404
    assert "Peer-run drop-in centre" not in other.get("/portfolio/records").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExperienceEntry, entry.id).minutes == 450
    assert db.session.get(OutsideTraining, training.id) is not None


def test_a_pending_entry_can_be_edited_and_deleted_by_its_owner(app, client, trainee):
    post(client, "/portfolio/experience/new", EXPERIENCE, page="/portfolio/experience/new")
    entry = db.session.scalars(select(ExperienceEntry)).one()
    edit = f"/portfolio/experience/{entry.id}/edit"
    assert 'value="7.50"' in client.get(edit).get_data(as_text=True)
    assert post(client, edit, {**EXPERIENCE, "hours": "6"}, page=edit).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExperienceEntry, entry.id).minutes == 360
    assert post(client, f"/portfolio/experience/{entry.id}/delete", page=edit).status_code == 302
    assert db.session.scalars(select(ExperienceEntry)).all() == []


def test_a_confirmed_or_declined_entry_cannot_be_edited_or_deleted(app, client, trainee):
    post(client, "/portfolio/experience/new", EXPERIENCE, page="/portfolio/experience/new")
    post(client, "/portfolio/supervision/new", SUPERVISION, page="/portfolio/supervision/new")
    upload_training(client)
    entry = db.session.scalars(select(ExperienceEntry)).one()
    session = db.session.scalars(select(SupervisionSession)).one()
    training = db.session.scalars(select(OutsideTraining)).one()
    # The supervisor's and trainer's decisions (their own flows are tested where they are built) set the state.
    entry.state, session.state, training.state = EntryState.CONFIRMED, EntryState.DECLINED, ReviewState.ACCEPTED
    db.session.commit()
    edit = f"/portfolio/experience/{entry.id}/edit"
    refused = post(client, edit, {**EXPERIENCE, "hours": "24"}, page="/portfolio/records")
    assert refused.status_code == 409 and "can no longer be changed" in refused.get_data(as_text=True)
    assert client.get(edit).status_code == 409
    assert (
        post(
            client,
            f"/portfolio/supervision/{session.id}/edit",
            {**SUPERVISION, "minutes": "600"},
            page="/portfolio/records",
        ).status_code
        == 409
    )
    for kind, record_id in [("experience", entry.id), ("supervision", session.id), ("training", training.id)]:
        assert post(client, f"/portfolio/{kind}/{record_id}/delete", page="/portfolio/records").status_code == 409
    db.session.expire_all()
    assert db.session.get(ExperienceEntry, entry.id).minutes == 450
    assert db.session.get(SupervisionSession, session.id).minutes == 60
    assert db.session.get(OutsideTraining, training.id) is not None and db.session.get(Evidence, training.evidence_id)


def test_the_operations_refuse_to_change_a_decided_entry(app, trainee):
    entry = add_entry(
        ExperienceEntry,
        trainee.id,
        worked_on=date(2026, 10, 1),
        minutes=60,
        setting="Clinic",
        activity="Support",
        supervisor_name="Sam Lee",
        supervisor_email="sam@example.org",
    )
    decide_entry(entry, True, "Seen it myself.")
    with pytest.raises(Locked):
        edit_pending(entry, minutes=600)
    with pytest.raises(Locked):
        delete_pending(entry)
    db.session.commit()
    assert db.session.get(ExperienceEntry, entry.id).minutes == 60
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "portfolio.experience.confirmed")).one()
    assert event.details["record"] == f"experience:{entry.id}"


def test_a_trainer_accepts_outside_training_and_its_hours_count(app, client, trainee, make_user):
    assert upload_training(client, mentoring="4").status_code == 302
    assert upload_ce(client).status_code == 302
    training = db.session.scalars(select(OutsideTraining)).one()
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = signed_in(app, "coach@example.org")
    waiting = coach.get("/portfolio/staff/").get_data(as_text=True)
    assert "Ethics for peer workers" in waiting and "Boundaries refresher" in waiting
    page = f"/portfolio/staff/training/{training.id}"
    assert "certificate.pdf" in coach.get(page).get_data(as_text=True)
    no_reason = post(coach, page, {"decision": "decline", "comment": ""}, page=page)
    assert no_reason.status_code == 422 and "Please say why you decline it" in no_reason.get_data(as_text=True)
    assert post(coach, page, {"decision": "accept", "comment": "Certificate checked."}, page=page).status_code == 302
    db.session.expire_all()
    training = db.session.get(OutsideTraining, training.id)
    assert training.state == ReviewState.ACCEPTED and training.decider_comment == "Certificate checked."
    by_key = {r.key: r for r in progress(trainee.id, catalog().pathway("sample-credential")).requirements}
    assert (by_key["training.ethics"].done, by_key["training.mentoring"].done, by_key["training"].done) == (6, 4, 6)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "portfolio.training.accepted")).one()
    assert event.details["record"] == f"training:{training.id}" and event.actor is not None
    again = post(coach, page, {"decision": "decline", "comment": "Changed my mind"}, page="/portfolio/staff/")
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get(OutsideTraining, training.id).state == ReviewState.ACCEPTED, "a decision is made once"
    assert "Certificate checked." in client.get("/portfolio/records").get_data(as_text=True)


def test_a_trainer_of_another_cohort_cannot_see_or_decide_the_record(app, client, trainee, make_user):
    upload_training(client)
    upload_ce(client)
    training = db.session.scalars(select(OutsideTraining)).one()
    ce = db.session.scalars(select(ContinuingEducation)).one()
    make_user(email="coach@example.org", role="trainer")
    make_user(email="rival@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    join_cohort_of("rival@example.org", make_user(email="someone@example.org").id)
    rival = signed_in(app, "rival@example.org")
    assert "Ethics for peer workers" not in rival.get("/portfolio/staff/").get_data(as_text=True)
    for kind, record_id in [("training", training.id), ("ce", ce.id)]:
        page = f"/portfolio/staff/{kind}/{record_id}"
        assert rival.get(page).status_code == 404
        assert post(rival, page, {"decision": "accept", "comment": "ok"}, page="/portfolio/staff/").status_code == 404
    assert rival.get(f"/portfolio/staff/trainees/{trainee.id}").status_code == 404
    assert (
        post(client, f"/portfolio/staff/training/{training.id}", {"decision": "accept"}, page="/portfolio/").status_code
        == 403
    ), "a trainee cannot accept their own training"
    db.session.expire_all()
    assert db.session.get(OutsideTraining, training.id).state == ReviewState.PENDING
    assert db.session.get(ContinuingEducation, ce.id).state == ReviewState.PENDING
    assert signed_in(app, "coach@example.org").get(f"/portfolio/staff/trainees/{trainee.id}").status_code == 200


def test_exam_and_certification_start_the_renewal_window(app, client, trainee, make_user):
    page = "/portfolio/pathways/sample-credential"
    assert (
        post(client, page + "/exam", {"taken_on": "2026-10-10", "passed": "yes"}, page=page + "/exam").status_code
        == 302
    )
    assert "Passed" in client.get(page).get_data(as_text=True)
    certified = post(
        client,
        page + "/certification",
        {"certificate_number": "SB-12345", "certified_on": "2026-10-20"},
        page=page + "/certification",
    )
    assert certified.status_code == 302
    assert upload_ce(client).status_code == 302
    ce = db.session.scalars(select(ContinuingEducation)).one()
    before = progress(trainee.id, catalog().pathway("sample-credential"), today=date(2026, 11, 30))
    assert before.exam.passed and before.certification.certificate_number == "SB-12345"
    assert before.renewal.due_on == date(2028, 10, 20) and before.renewal.days_left == 690
    assert (before.renewal.ce.done, before.renewal.ce.pending, before.renewal.ethics.pending) == (0, 4, 2)
    ce.state = ReviewState.ACCEPTED
    db.session.commit()
    after = progress(trainee.id, catalog().pathway("sample-credential"), today=date(2026, 11, 30))
    assert (after.renewal.ce.done, after.renewal.ethics.done, after.renewal.complete) == (4, 1 + 1, True)
    text = client.get(page).get_data(as_text=True)
    assert "Renew by <strong>20 October 2028</strong>" in text and "SB-12345" in text


def test_extra_hours_in_one_domain_do_not_fill_another_and_a_total_only_pathway_counts_every_hour(app, trainee):
    evidence = store_evidence(trainee.id, "c.pdf", PDF)
    record = add_outside_training(
        trainee.id, "Ethics intensive", "Elsewhere", date(2026, 9, 1), {"ethics": 30}, evidence
    )
    review(record, True, "", trainee.id)
    by_domain = {r.key: r for r in progress(trainee.id, catalog().pathway("sample-credential")).training}
    assert (by_domain["training.ethics"].done, by_domain["training.mentoring"].remaining) == (30, 4)
    assert (by_domain["training"].done, by_domain["training"].complete) == (2, False), "ethics counts up to its 2 hours"
    total_only = Pathway("state", "State", Board("Board"), training=Training(MappingProxyType({}), 25, ("sample",)))
    line = progress(trainee.id, total_only).training[0]
    assert (line.key, line.done, line.remaining, line.complete) == ("training", 30, 0, True)


def test_next_steps_say_what_remains_in_words(app, trainee):
    db.session.add(
        SupervisionSession(
            user_id=trainee.id,
            held_on=date(2026, 10, 5),
            minutes=60,
            supervisor_name="Sam",
            supervisor_email="sam@example.org",
        )
    )
    db.session.commit()
    steps = progress(trainee.id, catalog().pathway("sample-credential")).next_steps
    assert steps == (
        "Complete training in mentoring and education (4 hours), ethical responsibility (2 hours): finish a course "
        "here, or record outside training with its certificate.",
        "Log 10 more hours of supervised work experience.",
        "Log 2 more hours of supervision (1 hour is waiting for your supervisor to confirm).",
        "Take the Sample Exam and record your result.",
    )


def test_the_portfolio_is_in_the_data_export_and_goes_with_the_account(app, client, trainee):
    post(client, "/portfolio/pathways", {"pathway": "sample-credential"}, page="/portfolio/")
    post(client, "/portfolio/experience/new", EXPERIENCE, page="/portfolio/experience/new")
    assert upload_training(client).status_code == 302
    exported = client.get("/privacy/my-data.json").get_json()["portfolio"]
    assert exported["pathways"][0]["pathway_slug"] == "sample-credential"
    assert exported["experience"][0]["supervisor_email"] == "sam@example.org"
    assert (
        exported["evidence_files"][0]["filename"] == "certificate.pdf" and "data" not in exported["evidence_files"][0]
    )
    assert post(client, "/privacy/close-account", {"password": PASSWORD}, page="/account/password").status_code == 302
    for model in (ExperienceEntry, OutsideTraining, Evidence):
        assert db.session.scalars(select(model)).all() == [], model


def test_next_steps_for_a_renewal_only_pathway_and_an_overdue_renewal(app, trainee):
    texas = Pathway("texas", "Texas", Board("Texas board"), renewal=catalog().pathway("sample-credential").renewal)
    assert (
        progress(trainee.id, texas)
        .next_steps[0]
        .startswith("This page does not list what Texas board asks for first certification: check its current rules.")
    )
    db.session.add(
        BoardCertification(
            user_id=trainee.id, pathway_slug="texas", certificate_number="T-1", certified_on=date(2024, 1, 15)
        )
    )
    db.session.commit()
    due = progress(trainee.id, texas, today=date(2025, 6, 1))
    assert due.next_steps == (
        "Earn 4 more hours of continuing education before 15 January 2026 (1 of them in ethics).",
    )
    late = progress(trainee.id, texas, today=date(2026, 2, 1))
    assert late.renewal.overdue and late.next_steps[0].startswith("Your renewal was due on 15 January 2026.")


def test_an_edit_that_races_a_decision_is_refused_by_the_database_not_only_by_the_page(app, trainee):
    entry = add_entry(
        ExperienceEntry,
        trainee.id,
        worked_on=date(2026, 10, 1),
        minutes=60,
        setting="Clinic",
        activity="Support",
        supervisor_name="Sam Lee",
        supervisor_email="sam@example.org",
    )
    db.session.commit()
    # The supervisor's decision lands after the trainee's page loaded the entry as pending.
    db.session.execute(
        update(ExperienceEntry)
        .where(ExperienceEntry.id == entry.id)
        .values(state="confirmed")
        .execution_options(synchronize_session=False)
    )
    assert entry.state == "pending", "the trainee's copy is stale"
    with pytest.raises(Locked):
        edit_pending(entry, minutes=600)
    db.session.commit()
    assert db.session.get(ExperienceEntry, entry.id).minutes == 60
