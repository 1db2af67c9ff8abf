"""A trainer in real Chromium: imports a cohort from CSV, records a live session, grades a written
answer, grants an extra attempt and revokes a certificate."""

from sqlalchemy import select
from test_accessibility import sign_in

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, TEST_CONTENT, post


def prepare(app):
    """A trainee with a written answer waiting for grading and a certificate, and a trainer; returns the
    certificate's ID and the trainee's signed-in client."""
    from lms.auth.operations import create_user
    from lms.extensions import db

    with app.app_context():
        trainee = create_user("robin@example.org", PASSWORD, "Robin", "Robin Quinn", privacy_accepted=True)
        create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        db.session.commit()
        trainee_id = trainee.id
    client = app.test_client()
    post(client, "/account/login", {"email": "robin@example.org", "password": PASSWORD})
    from test_assessments_views import take_listening_to_the_written_scene

    with app.app_context():
        take_listening_to_the_written_scene(client)
    pass_everything(app, client, trainee_id)
    claim(client)
    with app.app_context():
        from lms.certificates.models import Certificate

        return db.session.scalars(select(Certificate)).one().id, client


def test_trainer_journey(serve, page, tmp_path):
    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    cert_id, robin = prepare(app)
    sign_in(page, base, "coach@example.org")
    page.get_by_role("link", name="Trainer home").click()
    page.get_by_label("Cohort name").fill("Spring 2027")
    page.get_by_label("Course").select_option("sample")
    page.get_by_label("Start date").fill("2027-03-01")
    page.get_by_label("End date").fill("2027-06-01")
    page.get_by_role("button", name="Create cohort").click()
    assert page.get_by_role("heading", name="Spring 2027").is_visible()

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,display name,legal name\nrobin@example.org,Robin,Robin Quinn\nsam@example.org,Sam,Sam Okafor\n"
    )
    page.get_by_label("CSV file").set_input_files(str(roster))
    page.get_by_role("button", name="Import").click()
    # Robin already has an account: an import never puts someone in front of new trainers without their
    # say, so the trainer is told to send the join link, and Robin joins with it.
    assert "Imported: 1 trainee(s) added, 1 new account(s)" in page.content()
    assert "robin@example.org" in page.content() and "join link" in page.content()
    assert page.get_by_role("link", name="Sam", exact=True).is_visible()
    code = page.locator("strong.mono").first.inner_text()
    joined = post(robin, f"/join/{code}", {"code": code}, page=f"/join/{code}")
    assert joined.status_code == 302
    page.reload()
    assert page.get_by_role("link", name="Robin", exact=True).is_visible()

    page.get_by_label("What the session covered").fill("Boundaries workshop")
    page.get_by_label("Date").fill("2027-03-08")
    page.get_by_label("Length in minutes").fill("90")
    page.get_by_label("Counts towards").select_option("ethics")
    page.get_by_label("Robin").check()
    page.get_by_role("button", name="Record session").click()
    assert "Live session recorded" in page.content()

    page.get_by_role("link", name="Grading", exact=True).click()
    page.get_by_role("link", name="Grade Robin's answer").click()
    page.get_by_label("Reflects the feeling Sam named").fill("2")
    page.get_by_label("Invites Sam to say more without advice").fill("1")
    page.get_by_label("Comment for the trainee").fill("Lovely reflection.")
    page.get_by_role("button", name="Save grade").click()
    assert "Grade saved" in page.content()

    page.get_by_role("link", name="Trainer home").click()
    page.get_by_role("link", name="Spring 2027").click()
    page.get_by_role("link", name="Robin", exact=True).click()
    page.get_by_label("Override", exact=True).select_option("extra_attempt")
    page.get_by_label("Module or role-play").select_option("safety/quick-check")
    page.get_by_label("Reason (kept in the audit log)").fill("Missed a week through illness")
    page.get_by_role("button", name="Record override").click()
    assert "Recorded: an extra attempt for Robin." in page.content()

    page.get_by_role("link", name=cert_id).click()
    page.get_by_label("Action").select_option("revoke")
    page.locator("#status-reason").fill("Issued in error")
    page.get_by_label("I understand that revoking cannot be undone").check()
    page.get_by_role("button", name="Change status").click()
    assert f"Certificate {cert_id} is now revoked." in page.content()
    page.goto(base + f"/verify/{cert_id}")
    assert "Revoked: this certificate is no longer valid." in page.content()
