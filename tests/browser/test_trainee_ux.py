"""Trainee UX at a phone's size (390 x 844): help one tap away, join links through sign-up, waiting made visible,
lessons in sections with Continue, sharing a certificate."""

from playwright.sync_api import expect

from helpers import PASSWORD, last_section

PHONE_HEIGHT = 844


def make_trainee(app, email="robin@example.org"):
    from lms.auth.operations import create_user
    from lms.extensions import db

    with app.app_context():
        create_user(email, PASSWORD, "Robin", "Robin Quinn Public", privacy_accepted=True)
        db.session.commit()


def sign_in(page, base, email="robin@example.org"):
    page.goto(base + "/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def assert_support_in_first_screen(page):
    link = page.get_by_role("banner").get_by_role("link", name="Get support")
    assert link.is_visible()
    box = link.bounding_box()
    assert page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT
    assert box["height"] >= 44, "a comfortable tap target on a phone"
    assert link.get_attribute("href") == "/support"


def test_get_support_is_in_the_header_without_scrolling_on_a_lesson_and_a_role_play_scene(live_app, page):
    base = live_app.config["LIVE_URL"]
    make_trainee(live_app)
    sign_in(page, base)
    page.goto(base + "/courses/peer-specialist-core/active-listening/?section=5")
    assert_support_in_first_screen(page)

    page.goto(base + last_section(live_app, "peer-specialist-core", "de-escalation"))
    page.get_by_role("link", name="Role-play", exact=False).first.click()
    page.get_by_role("button", name="Start the role-play").click()
    assert page.get_by_role("group", name="What do you say or do?").is_visible()
    assert_support_in_first_screen(page)

    # Keyboard: a few Tabs from the top of the page reach it, and Enter opens the support page.
    page.locator("body").focus()
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Get support":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Get support"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + "/support"


def test_a_join_link_survives_sign_up_and_the_new_trainee_is_told_they_joined(live_app, page):
    from datetime import date

    from lms.auth.operations import create_user
    from lms.cohorts.roster import create_cohort
    from lms.extensions import db

    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        coach = create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        cohort = create_cohort(
            "Spring 2027, Tuesday evenings", "peer-specialist-core", date(2027, 3, 1), date(2027, 6, 1), coach
        )
        db.session.commit()
        code = cohort.join_code
    page.goto(f"{base}/join/{code}")
    assert page.get_by_role("heading", name="Join Spring 2027, Tuesday evenings").is_visible()
    assert "Peer Specialist Core Training" in page.content()
    page.get_by_role("link", name="Create an account").click()
    assert "You're joining" in page.locator("main").inner_text()
    page.get_by_label("Email address").fill("casey.new@example.org")
    page.get_by_label("Name to show on the site").fill("Casey")
    page.get_by_label("Full legal name").fill("Casey Q. New")
    page.get_by_label("Password", exact=True).fill("my long passphrase")
    page.get_by_label("Type the password again").fill("my long passphrase")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()
    assert page.url == base + "/courses/peer-specialist-core/"
    assert page.get_by_text("You joined “Spring 2027, Tuesday evenings”.").is_visible()
    assert page.get_by_role("button", name="Sign out").count() == 1


def test_a_trainee_sees_they_are_waiting_for_grading_and_then_that_it_is_graded(serve, page):
    from sqlalchemy import select

    from lms.extensions import db

    from helpers import TEST_CONTENT, join_cohort_of, post

    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    make_trainee(app)
    sign_in(page, base)
    page.goto(base + "/courses/sample/listening/?section=2")
    page.get_by_role("button", name="I have finished reading").click()
    page.goto(base + "/courses/sample/listening/roleplay/first-visit/")
    page.get_by_role("button", name="Start the role-play").click()
    for label in ["It sounds like", "Have you tried"]:
        page.locator("label", has_text=label).click()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Write what you would say").fill("It sounds like you feel really alone. Can you tell me more?")
    page.get_by_role("button", name="Submit my answer").click()
    assert page.get_by_role("heading", name="Waiting for your trainer's grading").is_visible()

    waiting = "Waiting for your trainer's grading"
    page.get_by_role("link", name="My learning").click()
    assert page.get_by_text(waiting).first.is_visible()
    page.goto(base + "/courses/sample/")
    assert page.locator(".module-item", has_text="Listening").get_by_text(waiting).is_visible()
    assert page.get_by_role("link", name="Continue: Listening").count() == 0
    page.goto(base + "/courses/sample/listening/")
    assert page.get_by_role("status").filter(has_text=waiting).is_visible(), "on every section of the lesson"
    page.goto(base + "/courses/sample/listening/?section=2")
    assert page.locator(".quiz-list").get_by_text(waiting).is_visible()
    page.goto(base + "/courses/sample/listening/roleplay/first-visit/")
    assert page.get_by_role("button", name="Try again").count() == 0
    assert page.get_by_text("You don't need to try again").is_visible()

    with app.app_context():
        from lms.auth.models import User
        from lms.auth.operations import create_user

        create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        db.session.commit()

        trainee_id = db.session.scalar(select(User.id).where(User.email == "robin@example.org"))
        join_cohort_of("coach@example.org", trainee_id)
        attempt_id = db.session.scalar(select(db.text("attempt_id FROM attempt_step WHERE answer IS NOT NULL")))
        step_id = db.session.scalar(select(db.text("id FROM attempt_step WHERE answer IS NOT NULL")))
        coach = app.test_client()
        post(coach, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
        graded = post(
            coach,
            f"/staff/grading/{attempt_id}",
            {f"c{step_id}_0": "2", f"c{step_id}_1": "1", "comment": "Warm."},
            page="/staff/grading/",
        )
        assert graded.status_code == 302
    page.goto(base + "/dashboard")
    assert page.get_by_text("Your trainer has graded your written answer").is_visible()
    assert page.get_by_text(waiting).count() == 0


def test_the_written_step_shows_the_conversation_so_far_and_keeps_a_draft_on_a_phone(live_app, page):
    base = live_app.config["LIVE_URL"]
    make_trainee(live_app)
    sign_in(page, base)
    page.goto(base + last_section(live_app, "peer-specialist-core", "active-listening"))
    page.get_by_role("link", name="Role-play", exact=False).first.click()
    page.get_by_role("button", name="Start the role-play").click()
    for words in (
        "feeling really alone with whatever",
        "Everyone has an opinion about you",
        "So you love her",
        "Before we think about anything else",
    ):
        page.get_by_label(words, exact=False).check()
        page.get_by_role("button", name="Continue").click()
    answer = page.get_by_label("Write what you would say, in your own words")
    assert answer.is_visible()

    details = page.locator("details.conversation")
    earlier = details.get_by_text("Everyone has an opinion about you", exact=False)
    assert not earlier.is_visible(), "folded away until the trainee opens it"
    details.get_by_text("The conversation so far").click()
    assert earlier.is_visible()
    assert details.get_by_text("You said:").count() == 4

    answer.fill("You feel alone, and your mom")
    page.get_by_role("button", name="Save draft").click()
    assert page.get_by_text("Draft saved", exact=False).is_visible()
    play_url = page.url
    page.goto(base + "/dashboard")
    page.goto(play_url)
    assert (
        page.get_by_label("Write what you would say, in your own words").input_value() == "You feel alone, and your mom"
    )


def continue_button(page):
    return page.locator(".continue a.button")


def test_a_lesson_is_read_in_sections_and_continue_returns_to_the_exact_section_and_scene(live_app, page, browser):
    base = live_app.config["LIVE_URL"]
    lesson = base + "/courses/peer-specialist-core/active-listening/"
    make_trainee(live_app)
    sign_in(page, base)
    page.goto(lesson)
    assert page.get_by_text("Section 1 of 14", exact=True).is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") < 3 * PHONE_HEIGHT, "one section is a short page"
    assert page.locator("h1").count() == 1
    contents = page.get_by_role("navigation", name="Sections of this lesson")
    assert contents.get_by_role("link").count() == 14
    page.get_by_role("link", name="Next: section 2 of 14").click()
    assert page.url == lesson + "?section=2" and page.get_by_text("Section 2 of 14", exact=True).is_visible()
    contents.get_by_text("Contents").click()  # folded on later sections; a <details>, no script
    contents.get_by_role("link", name="Reflecting content and feeling").click()
    assert page.url == lesson + "?section=5" and page.get_by_text("Section 5 of 14", exact=True).is_visible()
    assert page.get_by_role("heading", name="Reflecting content and feeling", level=2).is_visible()

    # Continue on the dashboard and at the top of the course page returns to section 5.
    page.goto(base + "/dashboard")
    continue_button(page).click()
    assert page.url == lesson + "?section=5"
    page.goto(base + "/courses/peer-specialist-core/")
    button = continue_button(page)
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE_HEIGHT, "Continue is on the first screen of the course page"
    assert "Section 5 of 14" in page.locator(".continue").inner_text()
    button.click()
    assert page.url == lesson + "?section=5"
    page.goto(lesson)
    page.get_by_role("link", name="Continue from section 5").click()
    assert page.url == lesson + "?section=5"

    # A role-play in progress: Continue opens its scene, at the step where the trainee stopped.
    page.goto(lesson + "?section=14")
    page.get_by_role("link", name="Role-play", exact=False).first.click()
    page.get_by_role("button", name="Start the role-play").click()
    page.get_by_label("feeling really alone with whatever", exact=False).check()
    page.get_by_role("button", name="Continue").click()
    scene = page.url
    scene_title = page.locator("h1").inner_text()
    assert "step 2" in page.locator("main p.meta").first.inner_text()
    page.get_by_role("link", name="My learning").click()
    assert "1 answer so far" in page.locator(".continue").inner_text()
    continue_button(page).click()
    assert page.url == scene and page.locator("h1").inner_text() == scene_title
    assert "step 2" in page.locator("main p.meta").first.inner_text()
    page.goto(base + "/courses/peer-specialist-core/")
    continue_button(page).click()
    assert page.url == scene

    # Without JavaScript the same pages work with plain links.
    plain = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False).new_page()
    sign_in(plain, base)
    plain.goto(lesson)
    plain.get_by_role("link", name="Next: section 2 of 14").click()
    assert plain.url == lesson + "?section=2"
    plain.goto(base + "/dashboard")
    plain.locator(".continue a.button").click()
    assert plain.url == lesson + "?section=2", "the reading is now the latest place"
    plain.goto(base + "/dashboard")
    plain.get_by_role("link", name="Role-play: Sam's first visit").click()  # "Or resume ..., which you started"
    assert plain.url == scene
    plain.context.close()


def test_the_holder_copies_or_emails_the_verification_link_and_is_told_of_a_suspension(serve, browser):
    from sqlalchemy import select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    from certificate_helpers import claim, pass_everything
    from helpers import TEST_CONTENT, join_cohort_of, post

    app = serve(TEST_CONTENT)
    base = app.config["LIVE_URL"]
    make_trainee(app)
    client = app.test_client()
    post(client, "/account/login", {"email": "robin@example.org", "password": PASSWORD})
    with app.app_context():
        from lms.auth.models import User

        trainee_id = db.session.scalar(select(User.id).where(User.email == "robin@example.org"))
    pass_everything(app, client, trainee_id)
    claim(client, confirm=True)
    with app.app_context():
        cert_id = db.session.scalar(select(Certificate.id))
    address = f"{base}/verify/{cert_id}"

    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base)
    page.goto(f"{base}/certificates/{cert_id}")
    share = page.get_by_role("region", name="Share with an employer")
    assert share.get_by_label("Verification address", exact=True).input_value() == address
    share.get_by_role("button", name="Copy link", exact=True).click()
    expect(share.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == address
    mail = share.get_by_role("link", name="Email this link")
    href = mail.get_attribute("href")
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(href).query)
    assert href.startswith("mailto:?") and query["subject"] == ["My certificate: Sample Course"]
    assert address in query["body"][0]
    wallets = page.get_by_role("region", name="For wallets and boards")
    assert wallets.get_by_text("you don't need it to show an employer", exact=False).is_visible()
    assert wallets.get_by_role("link", name="Download the signed file (.jwt)").is_visible()
    assert page.get_by_role("link", name="Download PDF").is_visible(), "the PDF stays the main download"

    # Without JavaScript: no Copy button, the read-only field is there to select by hand.
    plain = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False).new_page()
    sign_in(plain, base)
    plain.goto(f"{base}/certificates/{cert_id}")
    assert plain.get_by_label("Verification address", exact=True).input_value() == address
    assert plain.get_by_role("button", name="Copy link", exact=True).count() == 0
    plain.context.close()

    # A trainer suspends it: the holder is told, with the reason, and the share box is gone.
    with app.app_context():
        from lms.auth.operations import create_user

        create_user("coach@example.org", PASSWORD, "Casey", "Casey Coach", role="trainer")
        db.session.commit()
        join_cohort_of("coach@example.org", trainee_id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    manage = f"/staff/certificates/{cert_id}"
    post(
        coach,
        manage,
        {
            "form": "status",
            "status-action": "suspend",
            "status-reason": "Complaint under review",
            "status-confirm": "y",
        },
        page=manage,
    )
    page.reload()
    assert page.get_by_text("Complaint under review", exact=False).first.is_visible()
    assert page.get_by_role("region", name="Share with an employer").count() == 0
    page.goto(base + "/dashboard")
    assert page.get_by_text("is suspended", exact=False).first.is_visible()
    context.close()
