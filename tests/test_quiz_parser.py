"""Parsing and validating role-plays (docs/authoring.md, section 5 and its checks in section 9), at their true lines."""

from lms.content.problems import Collector
from lms.content.quiz_parser import parse_quiz

from helpers import TEST_CONTENT

EXAMPLE = (TEST_CONTENT / "modules/listening/first-visit.quiz.md").read_text()


def parse(text: str, competencies=None):
    problems = Collector()
    quiz = parse_quiz("q.quiz.md", text, competencies, problems)
    return quiz, [str(p) for p in sorted(problems.errors)]


def quiz_text(body: str, front: str = "title: Q") -> str:
    return f"---\n{front}\n---\n{body}"


def test_spec_example_parses_into_scenes_choices_and_rubric():
    quiz, errors = parse(EXAMPLE)
    assert errors == []
    assert quiz.title == "Role-play: Sam's first visit" and quiz.pass_mark == 70 and quiz.max_attempts == 3
    assert quiz.feedback == "immediate" and quiz.shuffle and quiz.required
    assert [(s.id, s.kind) for s in quiz.scenes] == [
        ("opening", "choice"),
        ("story", "choice"),
        ("feelings", "choice"),
        ("reflect", "written"),
    ]
    opening = quiz.scene("opening")
    assert [c.target for c in opening.choices] == ["feelings", "feelings", "story"]
    assert (
        opening.choices[0].scores[0].points == 2 and opening.choices[0].scores[0].competency == "reflective-listening"
    )
    assert "Naming the feeling" in opening.choices[0].feedback
    assert quiz.scene("story").title == "Your story takes over"
    assert quiz.scene("story").choices[1].critical and quiz.scene("story").choices[1].target == "end"
    assert [c.target for c in quiz.scene("feelings").choices] == ["reflect", "reflect"], "no arrow: the next scene"
    reflect = quiz.scene("reflect")
    assert [(c.points, c.competency) for c in reflect.rubric] == [(2, "reflective-listening"), (1, "open-questions")]
    assert reflect.next == "end"
    assert "peer-run drop-in centre" in quiz.intro
    assert quiz.maximum == 7


def test_defaults_for_front_matter():
    quiz, errors = parse(quiz_text("## a\n- yes\n  +1\n"))
    assert errors == []
    assert (
        quiz.pass_mark,
        quiz.max_attempts,
        quiz.retry_after_minutes,
        quiz.feedback,
        quiz.shuffle,
        quiz.required,
    ) == (80, 0, 0, "immediate", False, True)


def test_unknown_target_is_reported_at_the_choice():
    _, errors = parse(quiz_text("## a\n- one -> end\n  +1\n- two -> nowhere\n"))
    assert errors == ["q.quiz.md:7: arrow to unknown scene 'nowhere'"]


def test_cycle_is_reported_at_the_closing_arrow_naming_the_scenes():
    _, errors = parse(quiz_text("## a\n- go -> b\n  +1\n\n## b\n- back -> c\n\n## c\n- loop -> a\n- out -> end\n"))
    assert errors == ["q.quiz.md:12: this choice makes a cycle, so a path could visit a scene twice: a -> b -> c -> a"]


def test_cycle_through_fall_through_is_reported():
    _, errors = parse(quiz_text("## a\n- go -> c\n  +1\n\n## b\n- next\n\n## c\n- up -> b\n"))
    assert errors == ["q.quiz.md:9: this choice makes a cycle, so a path could visit a scene twice: c -> b -> c"]


def test_unreachable_scene():
    _, errors = parse(quiz_text("## a\n- done -> end\n  +1\n\n## lost\nNobody comes here.\n"))
    assert errors == ["q.quiz.md:8: scene 'lost' cannot be reached: no choice in the role-play leads to it"]


def test_duplicate_scene_id_and_reserved_end():
    _, errors = parse(quiz_text("## a\n- x\n  +1\n\n## a\n- y\n\n## end\nBye\n"))
    assert errors == [
        "q.quiz.md:8: duplicate scene id 'a' (first used at line 4)",
        "q.quiz.md:11: 'end' is reserved for '-> end'; give this scene another id",
    ]


def test_bad_values_and_unknown_keys():
    _, errors = parse(
        quiz_text("## a\n- x\n  +1\n", front="title: Q\npass_mark: 120\nfeedback: later\nshuffle: maybe\nlives: 3")
    )
    assert errors == [
        "q.quiz.md:3: 'pass_mark' must be a number from 0 to 100, not '120'",
        "q.quiz.md:4: 'feedback' must be 'immediate' or 'end', not 'later'",
        "q.quiz.md:5: 'shuffle' must be true or false, not 'maybe'",
        "q.quiz.md:6: unknown front-matter key 'lives' (allowed: content_note, feedback, max_attempts, pass_mark, required, retry_after_minutes, shuffle, title, unsafe_endings)",
    ]


def test_maximum_zero_with_a_pass_mark_is_an_error():
    _, errors = parse(quiz_text("## a\n- x\n- y\n  -1\n"))
    assert errors == [
        "q.quiz.md:4: no scene offers any points, so pass_mark 80 means nothing; add points to the good choices or set pass_mark: 0"
    ]
    quiz, errors = parse(quiz_text("## a\n- x\n", front="title: Q\npass_mark: 0"))
    assert errors == [] and quiz.maximum == 0


def test_unknown_competency_in_score_line_and_rubric():
    _, errors = parse(
        quiz_text("## a\n- x\n  +1 listening\n  +1 empathy\n\n## w (written)\nSay it.\n\n- Kind (2 points, warmth)\n"),
        competencies={"listening": None},
    )
    assert errors == [
        "q.quiz.md:7: unknown competency 'empathy': add it to competencies.yaml or fix the spelling",
        "q.quiz.md:12: unknown competency 'warmth': add it to competencies.yaml or fix the spelling",
    ]


def test_list_must_be_the_last_block_of_a_scene():
    _, errors = parse(quiz_text("## a\nPrompt.\n\n- x\n  +1\n\nTrailing text.\n\n## b\nEnd.\n"))
    assert errors[0] == "q.quiz.md:10: nothing may follow the list of choices in a scene; move this text above the list"


def test_unrecognised_line_in_a_choice():
    _, errors = parse(quiz_text("## a\n- x\n  +1\n  two points\n"))
    assert errors == [
        "q.quiz.md:7: 'two points' is not a score line (+2 competency or -1 competency), 'critical', or feedback ('> ...')"
    ]


def test_rubric_line_needs_points():
    _, errors = parse(quiz_text("## w (written)\nWrite.\n\n- Kind words\n- Names it (1 point)\n"))
    assert errors == [
        "q.quiz.md:7: a rubric criterion must end with its points, e.g. '- Names the feeling (2 points, validation)'"
    ]


def test_every_error_in_a_broken_quiz_is_reported_at_once():
    text = quiz_text(
        "## a\n- x -> ghost\n  +1 nope\n  huh\n\n## a\n- y\n", front="title: Q\npass_mark: -5\ncolour: red"
    )
    _, errors = parse(text, competencies={})
    lines = [e.split(":")[1] for e in errors]
    assert lines == ["3", "4", "7", "8", "9", "11"], errors


def test_a_scene_without_a_list_is_an_ending():
    quiz, errors = parse(quiz_text("## a\n- good -> happy\n  +2\n- bad -> sad\n\n## happy\nYay.\n\n## sad\nOh.\n"))
    assert errors == []
    assert [s.kind for s in quiz.scenes] == ["choice", "ending", "ending"]


def test_choice_text_is_sanitised():
    quiz, _ = parse(quiz_text("## a\n- <img src=x onerror=alert(1)> *hi*\n  +1\n"))
    text = str(quiz.scene("a").choices[0].text)
    assert "onerror" not in text and "<em>hi</em>" in text


def test_bundled_role_plays_have_branching_critical_choices_and_a_written_scene():
    from lms.content.loader import load_catalog

    from helpers import BUNDLED_CONTENT

    catalog = load_catalog(BUNDLED_CONTENT)
    # Role-plays, that is: a knowledge check is a linear multiple-choice quiz.
    quizzes = [q for m in catalog.modules.values() for q in m.assessments if q.slug != "knowledge-check"]
    assert len(quizzes) >= 13
    for quiz in quizzes:
        assert len(quiz.scenes) >= 6, quiz.slug
        targets = {c.target for s in quiz.scenes for c in s.choices}
        assert len(targets) >= 4, f"{quiz.slug} does not branch"
        assert any(c.critical for s in quiz.scenes for c in s.choices), quiz.slug
        assert all(c.feedback for s in quiz.scenes for c in s.choices), f"{quiz.slug}: a choice has no feedback"
    assert any(q.has_written for q in quizzes)


def warnings_of(text: str):
    problems = Collector()
    parse_quiz("q.quiz.md", text, None, problems)
    return [str(p) for p in sorted(problems.warnings)]


def test_feedback_not_indented_under_its_choice_says_how_to_fix_it():
    _, errors = parse(quiz_text("## a\n- x\n  +1\n> Why it helps.\n"))
    assert errors == [
        "q.quiz.md:7: this feedback is not attached to a choice: indent the '>' two spaces so it sits under the choice it belongs to"
    ]


def test_space_after_score_sign_is_explained():
    _, errors = parse(quiz_text("## a\n- x\n  + 2 listening\n"))
    assert errors == [
        "q.quiz.md:6: this line starts a list inside the choice: write score lines with no space after the sign (+2 validation, not + 2 validation)"
    ]


def test_score_line_inside_feedback_is_a_warning():
    assert warnings_of(quiz_text("## a\n- x\n  +1\n  > Good.\n  > +2 listening\n")) == [
        "q.quiz.md:8: warning: '+2 listening' is inside the feedback, so it does not count: put score lines and 'critical' before the '>' feedback"
    ]


def test_numbered_choices_are_warned_about_and_written_is_case_insensitive():
    assert warnings_of(quiz_text("## a\n- go\n  +1\n\n## b\nWhat now?\n\n1. this\n2. that\n")) == [
        "q.quiz.md:8: warning: this scene has a numbered list but no bullet list, so it is an ending; write choices as bullets ('- ') if they are meant to be choices"
    ]
    quiz, errors = parse(quiz_text("## w: Say it (Written)\nWrite.\n\n- Kind (1 point)\n"))
    assert errors == [] and quiz.scene("w").kind == "written" and quiz.scene("w").title == "Say it"


def test_yaml_errors_are_explained_in_plain_words():
    _, errors = parse("---\ntitle: Role-play: Sam\n---\n## a\n- x\n  +1\n")
    assert errors == [
        'q.quiz.md:2: YAML does not parse: a value contains a colon (put the value in quotes, e.g. title: "Role-play: Sam\'s first visit") or this line is indented further than the lines above'
    ]


def test_rubric_anchors_are_parsed_highest_first():
    quiz, errors = parse(EXAMPLE)
    assert errors == []
    reflect = quiz.scene("reflect")
    assert [a.score for a in reflect.rubric[0].anchors] == [2, 1, 0]
    assert "names being alone" in reflect.rubric[0].anchor(2).text
    assert reflect.rubric[1].anchors == ()
    assert quiz.content_note == "Sam talks about feeling alone."


def test_anchor_out_of_range_or_repeated_is_an_error_at_its_line():
    text = quiz_text(
        "## w (written)\nSay it.\n\n- Kind (2 points)\n  - 3: too high\n  - 1: fine\n  - 1: again\n  - two: words\n"
    )
    _, errors = parse(text)
    assert errors == [
        "q.quiz.md:8: anchor score 3 is outside 0..2, the points of this criterion",
        "q.quiz.md:10: anchor score 1 is given twice for this criterion",
        "q.quiz.md:11: a score anchor is written '- K: what an answer worth K points looks like' (K from 0 to 2), not 'two: words'",
    ]


def test_a_cycle_does_not_hide_an_unreachable_scene():
    _, errors = parse(quiz_text("## a\n- go -> b\n  +1\n\n## b\n- back -> a\n- out -> end\n\n## lost\n- x -> end\n"))
    assert errors == [
        "q.quiz.md:9: this choice makes a cycle, so a path could visit a scene twice: a -> b -> a",
        "q.quiz.md:12: scene 'lost' cannot be reached: no choice in the role-play leads to it",
    ]


UNSAFE = """## a
- Stay with them and call the crisis line together -> safe
  +2 crisis-support
- Say you'll check in tomorrow and leave -> alone
  critical
  > Leaving a person with a plan and the means alone is unsafe.
- Say nothing much -> b

## b
- Leave now -> alone
- Stay -> safe
  +1

## safe
They stay with you while you call.

## alone
They are alone tonight.
"""


def test_an_unsafe_ending_reached_only_through_critical_choices_is_accepted():
    fixed = UNSAFE.replace("- Leave now -> alone\n", "- Leave now -> alone\n  critical\n")
    quiz, errors = parse(quiz_text(fixed, front="title: Q\npass_mark: 70\nunsafe_endings: [alone]"))
    assert errors == [] and quiz.unsafe_endings == ("alone",)


def test_an_unsafe_ending_a_passing_route_reaches_is_an_error_naming_the_route():
    _, errors = parse(quiz_text(UNSAFE, front="title: Q\npass_mark: 0\nunsafe_endings: [alone]"))
    assert errors == [
        "q.quiz.md:4: the unsafe ending 'alone' can be reached by a passing route (a -> b -> alone); "
        "mark the unsafe choice that leads there 'critical'"
    ]
    # At pass_mark 70 the route a -> b -> alone scores 0 of 2 + 1: it fails, so the ending is not reachable by a pass.
    _, errors = parse(quiz_text(UNSAFE, front="title: Q\npass_mark: 70\nunsafe_endings: [alone]"))
    assert errors == []


def test_unsafe_endings_must_name_endings():
    _, errors = parse(quiz_text(UNSAFE, front="title: Q\nunsafe_endings: [ghost, b]"))
    assert errors == [
        "q.quiz.md:3: unsafe_endings names 'b', which is not an ending (a scene with no choices)",
        "q.quiz.md:3: unsafe_endings names 'ghost', which is not a scene of this role-play",
    ]
