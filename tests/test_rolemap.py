"""The role-play map: nested list and SVG, best and worst routes, passability, escaping, and a try-out that records nothing."""

import re
from fractions import Fraction
from html import unescape

import pytest
from sqlalchemy import func, select

from lms.content.loader import load_catalog
from lms.content.quiz import END
from lms.content.quiz_graph import topological_order
from lms.extensions import db
from lms.publishing.rolemap import build_map
from lms.publishing.svg import map_svg

from helpers import BUNDLED_CONTENT, PASSWORD, post, write_content

MAP = "/publishing/roleplays/active-listening/sam-first-visit/"


def signed_in(app, make_user, role="trainer", author=True):
    """A signed-in client; trainers are authors (User.can_author) unless `author` is False."""
    user = make_user(role=role)
    if role == "trainer" and author:
        user.can_author = True
        db.session.commit()
    client = app.test_client()
    post(client, "/account/login", {"email": user.email, "password": PASSWORD})
    return client


@pytest.fixture
def bundled(make_user, app_factory):
    app = app_factory(CONTENT_DIR=str(BUNDLED_CONTENT))
    with app.app_context():
        yield app


def all_routes(quiz, full):
    """Every complete route without a critical choice, by brute force: (earned, possible)."""

    def walk(scene_id, earned, possible):
        if scene_id == END:
            yield earned, possible
            return
        scene = quiz.scene(scene_id)
        if scene.is_ending:
            yield earned, possible
            return
        if scene.kind == "written":
            yield from walk(scene.next, earned + (scene.rubric_points if full else 0), possible + scene.possible)
            return
        for choice in scene.choices:
            if not choice.critical:
                yield from walk(choice.target, earned + choice.points, possible + scene.possible)

    return list(walk(quiz.first.id, 0, 0))


def percent(earned, possible):
    return Fraction(100) if possible == 0 else Fraction(100 * max(earned, 0), possible)


def route_count(quiz):
    counts = {}
    for scene in reversed(topological_order(list(quiz.scenes), {s.id: s for s in quiz.scenes})):
        if scene.is_ending:
            counts[scene.id] = 1
        else:
            targets = [scene.next] if scene.kind == "written" else [c.target for c in scene.choices if not c.critical]
            counts[scene.id] = sum(1 if t == END else counts.get(t, 0) for t in targets)
    return counts[quiz.first.id]


def bundled_quizzes():
    """The bundled role-plays small enough to count every route by hand (the ten-question knowledge checks
    have a million routes each)."""
    catalog = load_catalog(BUNDLED_CONTENT)
    return [quiz for module in catalog.modules.values() for quiz in module.assessments if route_count(quiz) < 60_000]


@pytest.mark.parametrize("quiz", bundled_quizzes(), ids=lambda q: q.slug)
def test_best_and_worst_routes_match_every_route_counted_by_hand(quiz):
    rolemap = build_map(quiz)
    best = max(percent(*r) for r in all_routes(quiz, full=True))
    worst = min(percent(*r) for r in all_routes(quiz, full=False))
    assert Fraction(100 * rolemap.best.result.score, rolemap.best.result.possible or 1) == best or best == 100
    assert rolemap.best.result.percent == float(best)
    assert rolemap.worst.result.percent == float(worst)
    passes = any(100 * max(e, 0) >= quiz.pass_mark * p for e, p in all_routes(quiz, full=True))
    assert rolemap.passable is passes is bool(rolemap.best.result.passed)


def test_the_map_lists_scenes_choices_scores_and_targets_as_nested_lists(bundled, make_user):
    client = signed_in(bundled, make_user)
    response = client.get(MAP)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    scenes = re.findall(r'<li id="scene-([a-z0-9-]+)">', html)
    quiz = bundled.extensions["lms.catalog"].module("active-listening").assessment("sam-first-visit")
    assert scenes == [s.id for s in quiz.scenes]
    opening = html[html.index(f'id="scene-{quiz.first.id}"') : html.index(f'id="scene-{quiz.scenes[1].id}"')]
    first = quiz.first.choices[0]
    assert unescape(str(first.text)) in unescape(opening)
    assert "Score: +2; +2 Reflective listening" in unescape(re.sub(r"\s+", " ", opening))
    assert f'Leads to: <a href="#scene-{first.target}"' in opening
    assert "Try from this scene" in opening
    critical = next(c for s in quiz.scenes for c in s.choices if c.critical)
    assert html.count("Critical:</strong> taking this choice fails the attempt") == sum(
        c.critical for s in quiz.scenes for c in s.choices
    )
    assert critical.target in html
    assert html.count(">Ending</span>") == sum(s.is_ending for s in quiz.scenes)
    assert "Can it be passed?</dt>\n    <dd><strong>Yes.</strong>" in html
    assert "Best route</dt>\n      <dd>100% (18 of 18 points, written answers at full marks)" in html
    assert "Worst route without a critical choice</dt>\n      <dd>0% (0 of 4 points" in html


def test_the_map_draws_an_accessible_svg(bundled, make_user):
    client = signed_in(bundled, make_user)
    html = client.get(MAP).get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and 'aria-label="Map of the role-play' in svg
    assert "<title>Map of the role-play" in svg
    quiz = bundled.extensions["lms.catalog"].module("active-listening").assessment("sam-first-visit")
    assert svg.count('<g class="node">') == len(quiz.scenes)
    assert "<script" not in svg and not re.search(r"\son\w+=", svg), "no script and no event handler"
    assert 'marker-end="url(#arrowhead-critical)"' in svg


@pytest.mark.parametrize("who", [{"role": "trainee"}, {"role": "trainer", "author": False}])
def test_the_map_is_for_authors_only(bundled, make_user, who):
    visitor = signed_in(bundled, make_user, **who)
    assert visitor.get(MAP).status_code == 403
    assert visitor.get("/publishing/roleplays/").status_code == 403
    assert post(visitor, MAP.rstrip("/") + "/try", {"scene": "arrival"}, page="/dashboard").status_code == 403


UNPASSABLE = """\
---
title: "Hard <b>one</b>"
pass_mark: 80
---
## opening: <script>alert(1)</script>
Prompt.

- Good -> trap
  +5
- Weak -> wrap-up

## trap
Only unsafe ways on.

- Bad
  critical

## wrap-up
The end.
"""


def test_a_role_play_that_cannot_be_passed_says_so_and_its_titles_are_escaped(tmp_path):
    root = write_content(tmp_path / "content", {"modules/m/hard.quiz.md": UNPASSABLE})
    quiz = load_catalog(root).module("m").assessment("hard")
    rolemap = build_map(quiz)
    assert not rolemap.passable and rolemap.passing_route is None
    assert (rolemap.best.result.score, rolemap.best.result.possible, rolemap.best.result.passed) == (0, 5, False)
    assert rolemap.entry("wrap-up").passing is False
    svg = str(map_svg(rolemap))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;" in svg  # in the label: author text is never markup inside the SVG


def test_a_scene_title_with_a_script_is_escaped_on_the_page(app_factory, tmp_path, make_user):
    root = write_content(tmp_path / "content", {"modules/m/hard.quiz.md": UNPASSABLE})
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        client = signed_in(app, make_user)
        html = client.get("/publishing/roleplays/m/hard/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>No:</strong> no route without a critical choice reaches the pass mark" in html


def row_counts():
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def test_try_from_a_scene_walks_to_the_end_and_records_nothing(bundled, make_user):
    client = signed_in(bundled, make_user)
    quiz = bundled.extensions["lms.catalog"].module("active-listening").assessment("sam-first-visit")
    start = quiz.scenes[1]
    before = row_counts()
    walk_url = MAP.rstrip("/") + "/try"
    response = post(client, walk_url, {"scene": start.id}, page=MAP)
    assert (response.status_code, response.location) == (302, walk_url)
    steps = 0
    while True:
        html = client.get(walk_url).get_data(as_text=True)
        if "End of the practice run" in html:
            break
        scene = re.search(r'name="scene" value="([^"]+)"', html).group(1)
        data = {"scene": scene}
        if 'name="choice"' in html:
            data["choice"] = "0"
        assert post(client, walk_url + "/answer", data, page=MAP).status_code == 302
        steps += 1
        assert steps < 50
    assert steps >= 1 and "nothing is recorded" in html and "An attempt on this route" in html
    assert row_counts() == before


def test_a_stale_or_invalid_answer_does_not_move_the_walk(bundled, make_user):
    client = signed_in(bundled, make_user)
    walk_url = MAP.rstrip("/") + "/try"
    post(client, walk_url, {"scene": "arrival"}, page=MAP)
    for data in ({"scene": "arrival", "choice": "99"}, {"scene": "nowhere", "choice": "0"}, {"scene": "arrival"}):
        assert post(client, walk_url + "/answer", data, page=MAP).status_code == 302
        html = client.get(walk_url).get_data(as_text=True)
        assert 'name="scene" value="arrival"' in html
    assert post(client, walk_url, {"scene": "no-such-scene"}, page=MAP).status_code == 404


def test_a_walk_without_a_start_goes_back_to_the_map(bundled, make_user):
    client = signed_in(bundled, make_user)
    response = client.get(MAP.rstrip("/") + "/try")
    assert (response.status_code, response.location) == (302, MAP)
