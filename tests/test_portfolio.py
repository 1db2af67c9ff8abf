"""The certification portfolio: progress toward a pathway, the trainee's records, evidence, and trainers' reviews."""
from datetime import date

from sqlalchemy import select

from lms.courses import catalog
from lms.extensions import db
from lms.portfolio.models import EntryState, ExperienceEntry, OutsideTraining, ReviewState, SupervisionSession
from lms.portfolio.progress import progress

from certificate_helpers import claim, pass_everything


def test_models_and_migration_agree(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    ours = {"pathway_choice", "portfolio_evidence", "outside_training", "continuing_education", "experience_entry",
            "supervision_session", "exam_result", "board_certification"}
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), db.metadata)
    about_ours = [d for d in diffs if any(name in repr(d) for name in ours)]
    assert about_ours == []


def test_progress_counts_certificates_automatically_and_pending_entries_not_at_all(app, client, trainee):
    pathway = catalog().pathway("sample-credential")
    before = progress(trainee.id, pathway)
    assert [(r.key, r.required, r.done) for r in before.training] == [
        ("training.mentoring", 4, 0), ("training.ethics", 2, 0), ("training", 6, 0)]
    pass_everything(app, client, trainee.id)
    assert claim(client).status_code == 302
    db.session.add_all([
        ExperienceEntry(user_id=trainee.id, worked_on=date(2026, 10, 1), minutes=240, setting="Drop-in centre",
                        activity="Peer support", supervisor_name="Sam Lee", supervisor_email="sam@example.org",
                        state=EntryState.CONFIRMED),
        ExperienceEntry(user_id=trainee.id, worked_on=date(2026, 10, 2), minutes=90, setting="Drop-in centre",
                        activity="Peer support", supervisor_name="Sam Lee", supervisor_email="sam@example.org"),
        ExperienceEntry(user_id=trainee.id, worked_on=date(2026, 10, 3), minutes=600, setting="Drop-in centre",
                        activity="Peer support", supervisor_name="Sam Lee", supervisor_email="sam@example.org",
                        state=EntryState.DECLINED),
        SupervisionSession(user_id=trainee.id, held_on=date(2026, 10, 5), minutes=45, supervisor_name="Sam Lee",
                           supervisor_email="sam@example.org"),
    ])
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
