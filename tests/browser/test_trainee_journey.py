"""A trainee's journey in real Chromium: register, read, finish, come back; take a role-play with a resume."""

import re

from playwright.sync_api import expect

from lms.content import catalog
from lms.content.quiz_graph import best_totals

from helpers import last_section


def register(page, base, email="robin@example.org"):
    page.goto(base + "/")
    page.get_by_role("link", name="Create a free account").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Name to show on the site").fill("Robin")
    page.get_by_label("Full legal name").fill("Robin Quinn Public")
    page.get_by_label("Password", exact=True).fill("my long passphrase")
    page.get_by_label("Type the password again").fill("my long passphrase")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()
    assert "Your account is ready, and you are signed in." in page.content()


def sign_in(page, email):
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("my long passphrase")
    page.get_by_role("button", name="Sign in").click()


def test_register_read_a_lesson_to_the_end_and_come_back(live_app, page):
    base = live_app.config["LIVE_URL"]
    register(page, base)
    page.get_by_role("link", name="Courses", exact=True).click()
    page.get_by_role("link", name="Peer Specialist Core Training").click()
    page.get_by_role("link", name="Active Listening", exact=True).first.click()
    assert page.locator("h1").count() == 1
    # Read to the end, one section at a time, with the Next link under each.
    while page.get_by_role("button", name="I have finished reading").count() == 0:
        assert page.locator("h1").count() == 1
        page.get_by_role("navigation", name="Previous and next section").locator("a[rel=next]").click()
    assert "Section 14 of 14" in page.content()
    page.get_by_role("button", name="I have finished reading").click()
    assert "Well done: you finished reading" in page.content()
    assert page.get_by_role("heading", name="Practise with a role-play").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").click()
    sign_in(page, "robin@example.org")
    assert page.get_by_role("heading", name="Continue where you left off").is_visible()
    assert page.get_by_role("link", name="Continue: Active Listening").is_visible()
    assert "0 of 13 modules complete" in page.content()
    page.goto(base + "/courses/peer-specialist-core/")
    assert "Role-play to pass" in page.content()


def best_path_texts(app, module_slug):
    """The choice texts of a route of model answers: the best safe choice at every turn (format rule 7)."""
    with app.app_context():
        quiz = catalog().module(module_slug).assessments[0]
    best = best_totals(list(quiz.scenes))
    texts, scene = [], quiz.first
    while scene is not None and scene.kind == "choice":
        viable = [c for c in scene.choices if not c.critical and (c.target == "end" or best.get(c.target) is not None)]
        choice = max(viable, key=lambda c: c.points)
        texts.append(re.sub(r"<[^>]+>", "", str(choice.text)).replace("&quot;", '"').replace("&#39;", "'"))
        scene = quiz.scene(choice.target) if choice.target != "end" else None
    return quiz, texts


def answer(page, text):
    page.locator("label", has_text=text[:40]).first.click()
    page.get_by_role("button", name="Continue").click()


def test_take_a_role_play_with_a_resume_and_complete_the_module(live_app, page):
    base = live_app.config["LIVE_URL"]
    register(page, base, "sky@example.org")
    page.goto(base + last_section(live_app, "peer-specialist-core", "de-escalation"))
    page.get_by_role("button", name="I have finished reading").click()
    quiz, texts = best_path_texts(live_app, "de-escalation")
    page.get_by_role("link", name=quiz.title).click()
    page.get_by_role("button", name="Start the role-play").click()
    answer(page, texts[0])
    assert page.get_by_role("heading", name="About your last response").is_visible()
    answer(page, texts[1])
    # Leave mid-way, then come back from the dashboard.
    page.get_by_role("link", name="My learning").click()
    page.goto(base + last_section(live_app, "peer-specialist-core", "de-escalation"))
    page.get_by_role("link", name=quiz.title, exact=True).click()
    page.get_by_role("button", name="Resume where you left off").click()
    for text in texts[2:]:
        answer(page, text)
    assert page.get_by_role("heading", name="You passed").is_visible()
    assert "points (100%)" in page.content()
    page.goto(base + "/courses/peer-specialist-core/")
    assert "1 of 13 modules complete" in page.content()


def test_a_role_play_scene_works_with_the_keyboard_alone(live_app, page):
    base = live_app.config["LIVE_URL"]
    register(page, base, "keys@example.org")
    page.goto(base + last_section(live_app, "peer-specialist-core", "boundaries"))
    quiz, texts = best_path_texts(live_app, "boundaries")
    page.get_by_role("link", name=quiz.title).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("button", name="Start the role-play").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Tab from the top of the page to the first choice, as a keyboard user would.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    assert page.evaluate("document.activeElement.type") == "radio"
    assert (
        page.evaluate("document.activeElement.closest('fieldset').querySelector('legend').textContent")
        == "What do you say or do?"
    )
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Continue"
    focus_ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring != "none", "focus is visible"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="About your last response").is_visible()


TWO_ROUTES = """---
title: "Role-play: Two good ways"
pass_mark: 80
required: false
---
Kim has come in for the first time.

## opening
**Kim:** I'm not sure I should be here.

- "It sounds like part of you wasn't sure about coming in." -> close
  +2 reflective-listening
- "What made today the day you came in?" -> explore
  +2 open-questions
- "Everyone is nervous at first." -> close

## explore
**Kim:** My sister said I should. I don't know.

- "So your sister nudged you, and you're still deciding for yourself."
  +3 reflective-listening
- "Your sister is right."

## close
**Kim** nods and stays for a coffee.
"""


def test_two_routes_of_model_answers_both_score_100_percent(serve, page, tmp_path):
    import shutil

    from helpers import TEST_CONTENT

    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    (content / "modules/listening/two-routes.quiz.md").write_text(TWO_ROUTES)
    app = serve(content)
    base = app.config["LIVE_URL"]
    register(page, base, "routes@example.org")
    intro = base + "/courses/sample/listening/roleplay/two-routes/"
    page.goto(intro)
    page.get_by_role("button", name="Start the role-play").click()
    answer(page, "It sounds like part of you")  # the short route: one decision
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()  # waits for the result page
    assert "Score: 2 of 2 points (100%)" in page.content()
    page.goto(intro)
    page.get_by_role("button", name="Try again").click()
    answer(page, "What made today the day")  # the long route: two decisions
    answer(page, "So your sister nudged you")
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()  # waits for the result page
    assert "Score: 5 of 5 points (100%)" in page.content()
    assert "Points here: 3 of 3" in page.content()
