"""Renewal reminders on a fixed clock: 90, 30 and 7 days before the deadline, each once, through a real SMTP server."""

from datetime import date, datetime

import pytest
from sqlalchemy import select
from test_mail_outbox import smtp_inbox

from lms.extensions import db
from lms.portfolio import renewal
from lms.portfolio.models import BoardCertification, ContinuingEducation, Evidence
from lms.portfolio.share_models import RenewalReminder


class Clock:
    def __init__(self, monkeypatch):
        self.now = datetime(2026, 1, 1)
        monkeypatch.setattr(renewal, "utcnow", lambda: self.now)

    def set(self, day: date) -> None:
        self.now = datetime.combine(day, datetime.min.time()).replace(hour=6)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def certified(make_user, email="holder@example.org", on=date(2025, 1, 15)):
    user = make_user(email=email, display_name="Robin")
    db.session.add(
        BoardCertification(
            user_id=user.id, pathway_slug="sample-credential", certificate_number="PR-1234", certified_on=on
        )
    )
    evidence = Evidence(
        user_id=user.id, filename="ce.pdf", media_type="application/pdf", size=4, sha256="0" * 64, data=b"%PDF"
    )
    db.session.add(evidence)
    db.session.flush()
    db.session.add(
        ContinuingEducation(
            user_id=user.id,
            title="Ethics refresher",
            provider="State college",
            completed_on=date(2025, 6, 1),
            hours=3,
            ethics_hours=1,
            state="accepted",
            evidence_id=evidence.id,
        )
    )
    db.session.commit()
    return user


def test_reminders_go_out_90_30_and_7_days_before_the_deadline_each_once(app_factory, make_user, clock):
    with smtp_inbox() as (inbox, port):
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command")
        runner = app.test_cli_runner()
        with app.app_context():
            certified(make_user)  # deadline: 15 January 2027 (24 months)
            outputs = []
            for day in (
                date(2026, 10, 1),
                date(2026, 10, 17),
                date(2026, 10, 17),
                date(2026, 11, 30),
                date(2026, 12, 16),
                date(2026, 12, 20),
                date(2027, 1, 8),
                date(2027, 1, 8),
                date(2027, 1, 14),
                date(2027, 1, 20),
            ):
                clock.set(day)
                result = runner.invoke(args=["portfolio", "remind"])
                assert result.exit_code == 0, result.output
                outputs.append(result.output)
            assert [
                r.days_before for r in db.session.scalars(select(RenewalReminder).order_by(RenewalReminder.id))
            ] == [90, 30, 7]
    assert [o.split("; ")[1] for o in outputs] == [
        "0 reminder(s) queued",
        "1 reminder(s) queued",
        "0 reminder(s) queued",
        "0 reminder(s) queued",
        "1 reminder(s) queued",
        "0 reminder(s) queued",
        "1 reminder(s) queued",
        "0 reminder(s) queued",
        "0 reminder(s) queued",
        "0 reminder(s) queued",
    ]
    assert len(inbox.messages) == 3 and all(to == ["holder@example.org"] for to, _ in inbox.messages)
    first = inbox.messages[0][1]
    assert "due for renewal on 15 January 2027, in 90 days" in first
    # 4 CE hours required (1 in ethics): the accepted 3 hours (1 ethics) leave 1 hour.
    assert "You still need 1 hours of continuing education." in first
    assert "in 7 days" in inbox.messages[2][1]


def test_a_missed_day_sends_only_the_nearest_reminder_and_nothing_without_mail(app_factory, make_user, clock):
    app = app_factory()  # no mail server: nothing is queued or recorded
    with app.app_context():
        certified(make_user)
        clock.set(date(2026, 12, 20))  # 26 days left
        assert renewal.send_reminders() == (0, 1)
        assert db.session.scalars(select(RenewalReminder)).all() == []
        app.config["MAIL_SERVER"] = "127.0.0.1"
        assert renewal.send_reminders() == (1, 1)
        db.session.commit()
        assert sorted(r.days_before for r in db.session.scalars(select(RenewalReminder))) == [30, 90]
        assert renewal.send_reminders() == (0, 1)


@pytest.mark.parametrize(
    "days_left, due",
    [(120, None), (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (1, 7), (0, None), (-5, None)],
)
def test_which_reminder_is_due(days_left, due):
    assert renewal.due_reminder(days_left) == due
