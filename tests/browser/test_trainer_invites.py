"""A trainer at a phone's size makes invite links for imported trainees, copies and prints them; a trainee
signs in with one (issue #19 item 5)."""

from datetime import date

from playwright.sync_api import expect
from test_accessibility import sign_in

from helpers import PASSWORD, TEST_CONTENT

ROSTER = "email,display name,legal name\nsky@example.org,Sky,Sky Imported\nriver@example.org,River,River Imported\n"


def imported_cohort(app):
    from lms.auth.operations import create_user
    from lms.cohorts.roster import create_cohort, import_roster
    from lms.extensions import db

    with app.app_context():
        coach = create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        cohort = create_cohort("Spring 2027", "sample", date(2027, 3, 1), date(2027, 6, 1), coach)
        import_roster(cohort, ROSTER, coach.id)
        db.session.commit()
        return cohort.id


def test_a_trainer_makes_copies_and_prints_invite_links_and_a_trainee_signs_in_with_one(serve, browser):
    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    cohort_id = imported_cohort(app)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base, "coach@example.org")
    page.goto(f"{base}/staff/cohorts/{cohort_id}")
    page.get_by_role("link", name="make invite links").first.click()
    assert page.get_by_role("heading", name="Invite links", exact=True).is_visible()
    assert page.get_by_label("Sky").is_checked() and page.get_by_label("River").is_checked()
    days = page.get_by_label("Days the links work")
    assert days.input_value() == "14"
    days.fill("45")
    page.get_by_role("button", name="Make invite links").click()
    assert page.get_by_text("Give a number of days from 1 to 30.").first.is_visible(), "a clear message, input kept"
    assert page.get_by_label("Days the links work").input_value() == "45"
    page.get_by_label("Days the links work").fill("21")
    page.get_by_role("button", name="Make invite links").click()

    assert page.get_by_role("heading", name="Invite links for Spring 2027").is_visible()
    sky_field = page.get_by_label("Invite link for Sky")
    link = sky_field.input_value()
    assert link.startswith(base + "/account/reset/")
    page.get_by_role("button", name="Copy link for Sky").click()
    expect(page.locator(".invite-slip", has_text="Sky").get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.get_by_role("button", name="Print these links").is_visible()

    # The print view: no site chrome or buttons, each slip with its link written out.
    page.emulate_media(media="print")
    assert (
        not page.locator(".site-header").is_visible()
        and not page.get_by_role("button", name="Print these links").is_visible()
    )
    slips = page.locator(".invite-slip")
    assert slips.count() == 2
    sky_slip = slips.filter(has_text="Sky")
    assert sky_slip.locator(".invite-url").inner_text() == link and not sky_field.is_visible()
    assert "sky@example.org" in sky_slip.inner_text()
    page.emulate_media(media="screen")

    # Sky opens the link on their own phone, sets a password and is in.
    sky = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sky.goto(link)
    sky.get_by_label("New password", exact=True).fill("sky's own passphrase")
    sky.get_by_label("Type the new password again").fill("sky's own passphrase")
    sky.get_by_role("button", name="Set my new password").click()
    sky.get_by_label("Email address").fill("sky@example.org")
    sky.get_by_label("Password").fill("sky's own passphrase")
    sky.get_by_role("button", name="Sign in").click()
    sky.get_by_label("I have read the privacy notice", exact=False).check()
    sky.get_by_role("button", name="Continue").click()
    assert sky.get_by_role("heading", name="My learning").is_visible()
    sky.goto(link)
    assert sky.get_by_role("heading", name="This link no longer works").is_visible(), "the link worked once"
    sky.context.close()

    # Sky has signed in: no more links for that account; River can still have one.
    page.goto(f"{base}/staff/cohorts/{cohort_id}/invites")
    assert page.get_by_label("Sky").count() == 0 and page.get_by_label("River").is_visible()
    context.close()


def test_without_javascript_the_links_are_selectable_fields_and_the_page_says_how_to_print(serve, browser):
    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    cohort_id = imported_cohort(app)
    page = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False).new_page()
    sign_in(page, base, "coach@example.org")
    page.goto(f"{base}/staff/cohorts/{cohort_id}/invites")
    page.get_by_role("button", name="Make invite links").click()
    assert page.get_by_label("Invite link for River").input_value().startswith(base + "/account/reset/")
    assert page.get_by_role("button", name="Copy link for River").count() == 0
    assert not page.get_by_role("button", name="Print these links").is_visible()
    assert page.get_by_text("use your browser's Print command", exact=False).is_visible()
    page.context.close()
