"""A lesson is read one `##` section per page, and "Continue" returns to the exact section or role-play scene."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.content.markdown import render
from lms.extensions import db
from lms.reading.models import LessonProgress

from helpers import post

LESSON = "/courses/sample/listening/"
ROLE_PLAY = "/courses/sample/listening/roleplay/first-visit/"


def progress() -> LessonProgress:
    db.session.expire_all()
    return db.session.scalar(select(LessonProgress).where(LessonProgress.module_slug == "listening"))


def continue_href(html: str) -> str:
    """The address of the main "Continue" button (the first button link in a .continue block)."""
    block = html[html.index('class="continue"') :]
    return re.search(r'<a class="button" href="([^"]+)"', block).group(1).replace("&amp;", "&")


def test_sections_split_at_each_top_level_h2_with_the_introduction_in_the_first():
    rendered = render(
        "# Title\n\nIntro.\n\n## One\n\nA.\n\n> ## Quoted, not a section\n\n## Two\n\nB.\n\n### Sub\n\nC.\n"
    )
    assert [s.title for s in rendered.sections] == ["One", "Two"]
    first, second = (s.html for s in rendered.sections)
    assert "<p>Intro.</p>" in first and '<h2 id="one">One</h2>' in first and "Quoted" in first
    assert "<h1" not in first, "the page prints the title itself, once"
    assert second.startswith('<h2 id="two">Two</h2>') and "<h3" in second and "Intro" not in second
    assert render("# Title\n\nIntro.\n\n## Only one\n\nA.\n").sections == (), "one section: one page, as before"


def test_a_sectioned_lesson_has_contents_position_and_previous_next(client, trainee):
    first = client.get(LESSON).get_data(as_text=True)
    assert "Section 1 of 2" in first and "Listening is the heart of peer support." in first
    assert "Ask questions that invite a story." not in first, "one section per page"
    assert 'aria-current="page" href="/courses/sample/listening/?section=1"' in first
    assert 'rel="next" href="/courses/sample/listening/?section=2"' in first and "Next: section 2 of 2" in first
    second = client.get(LESSON + "?section=2").get_data(as_text=True)
    assert "Section 2 of 2" in second and "Ask questions that invite a story." in second
    assert "Listening is the heart of peer support." not in second
    assert 'rel="prev" href="/courses/sample/listening/?section=1"' in second
    assert "<title>Open questions · Listening · Sample Course" in second


def test_a_one_section_lesson_looks_as_before(client, trainee):
    html = client.get("/courses/sample/safety/").get_data(as_text=True)
    assert "Section 1 of" not in html and "Sections of this lesson" not in html
    assert "I have finished reading" in html
    assert client.get("/courses/sample/safety/?section=1").status_code == 200


@pytest.mark.parametrize(
    "value", ["0", "3", "-1", "01", "abc", "", "1.0", "1e3", "99999999999999999999999999", "²", "1 "]
)
def test_a_junk_or_out_of_range_section_is_not_found(client, trainee, value):
    assert client.get(LESSON, query_string={"section": value}).status_code == 404
    assert client.get("/courses/sample/safety/", query_string={"section": "2"}).status_code == 404


def test_each_section_opened_is_recorded_and_the_lesson_address_keeps_it(client, trainee):
    client.get(LESSON)
    assert progress().section == 1
    client.get(LESSON + "?section=2")
    assert progress().section == 2, "a move to another section is written at once, however soon"
    html = client.get(LESSON).get_data(as_text=True)
    assert progress().section == 2, "opening the lesson from a list does not lose the place"
    assert (
        "You stopped at section 2 of 2" in html
        and 'href="/courses/sample/listening/?section=2">Continue from section 2' in html
    )
    client.get(LESSON + "?section=1")
    assert progress().section == 1


def test_reading_time_is_credited_across_sections(client, trainee):
    client.get(LESSON)
    row = progress()
    row.last_opened_at -= timedelta(minutes=7)
    db.session.commit()
    client.get(LESSON + "?section=2")
    assert 7 * 60 <= progress().seconds_spent < 7 * 60 + 30


def test_finishing_before_the_last_section_is_refused(client, trainee):
    client.get(LESSON)
    response = post(client, LESSON + "finish", page=LESSON)
    assert response.status_code == 302 and response.location == LESSON
    assert progress().finished_at is None
    assert "read to the last one" in client.get(LESSON).get_data(as_text=True)
    response = post(client, LESSON + "finish", page=LESSON + "?section=2")
    assert response.location == LESSON + "?section=2#practice" and progress().finished_at is not None


def test_continue_returns_to_the_exact_section_on_the_dashboard_course_and_lesson(client, trainee):
    client.get("/courses/sample/safety/")  # a look at the next lesson, then back
    client.get(LESSON + "?section=2")
    for page in ("/dashboard", "/courses/sample/"):
        html = client.get(page).get_data(as_text=True)
        assert continue_href(html) == LESSON + "?section=2", page
        assert "Section 2 of 2: Open questions" in html
    course = client.get("/courses/sample/").get_data(as_text=True)
    assert course.index('class="continue"') < course.index('id="modules"'), "Continue sits at the top"
    assert "You stopped at section 2 of 2" in client.get(LESSON).get_data(as_text=True)


def test_a_course_not_started_offers_its_first_lesson_at_the_top(client, trainee):
    html = client.get("/courses/sample/").get_data(as_text=True)
    assert continue_href(html) == LESSON and html.count("Start: Listening") == 1, "one main button, at the top"
    assert "Continue where you left off" not in client.get("/dashboard").get_data(as_text=True)


def test_continue_goes_to_the_open_role_play_scene(client, trainee):
    client.get(LESSON + "?section=2")
    started = post(client, ROLE_PLAY + "start", page=ROLE_PLAY)
    play = started.location
    assert play.startswith("/attempts/") and play.endswith("/play")
    for page in ("/dashboard", "/courses/sample/"):
        html = client.get(page).get_data(as_text=True)
        assert continue_href(html) == play, page
        assert "Resume: Role-play: Sam&#39;s first visit" in html and "0 answers so far" in html
        assert 'href="/courses/sample/listening/?section=2">Listening, section 2' in html, (
            "the reading is one link away"
        )
    lesson = client.get(LESSON).get_data(as_text=True)
    assert f'href="{play}">Resume the role-play' in lesson
    # Back to the lesson after the role-play was left: the reading is now the latest place.
    row = progress()
    row.last_opened_at += timedelta(minutes=1)
    db.session.commit()
    client.get(LESSON + "?section=1")
    assert continue_href(client.get("/dashboard").get_data(as_text=True)) == LESSON
    assert f'href="{play}"' in client.get("/dashboard").get_data(as_text=True)


def test_another_trainees_open_role_play_is_never_offered(client, trainee, make_user, auth):
    post(client, ROLE_PLAY + "start", page=ROLE_PLAY)
    auth.logout()
    make_user(email="other@example.org")
    auth.login("other@example.org")
    assert "Resume:" not in client.get("/dashboard").get_data(as_text=True)
    assert "Resume the role-play" not in client.get(LESSON).get_data(as_text=True)
