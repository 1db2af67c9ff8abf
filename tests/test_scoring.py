"""Scoring decision by decision (docs/authoring.md, section 6): possible over the scenes visited, pass mark, critical, competencies."""

import pytest
from test_quiz_parser import EXAMPLE, parse, quiz_text

from lms.assessments.scoring import Step, is_finished, next_scene, passes, score_path
from lms.content.quiz_graph import best_totals


def example():
    quiz, errors = parse(EXAMPLE)
    assert errors == []
    return quiz


# The worked example table of the content format, row by row: (steps, score, possible, percent, passed).
WORKED_EXAMPLE = [
    ([Step("opening", 0), Step("feelings", 0), Step("reflect", awards=(2, 1))], 7, 7, 100, True),
    ([Step("opening", 0), Step("feelings", 1), Step("reflect", awards=(2, 1))], 5, 7, 71.4, True),
    ([Step("opening", 1), Step("feelings", 0), Step("reflect", awards=(2, 1))], 5, 7, 71.4, True),
    ([Step("opening", 2), Step("story", 0), Step("feelings", 0), Step("reflect", awards=(2, 1))], 5, 8, 62.5, False),
]


@pytest.mark.parametrize("steps, score, possible, percent, passed", WORKED_EXAMPLE)
def test_worked_example_table_row_by_row(steps, score, possible, percent, passed):
    result = score_path(example(), steps)
    assert (result.score, result.possible, round(result.percent, 1), result.passed) == (
        score,
        possible,
        percent,
        passed,
    )
    assert not result.critical


def test_worked_example_critical_row_fails_whatever_the_score():
    result = score_path(example(), [Step("opening", 2), Step("story", 1)])
    assert result.passed is False and result.critical and result.critical_scene == "story"


def test_possible_per_scene_matches_the_spec():
    quiz = example()
    assert {s.id: s.possible for s in quiz.scenes} == {"opening": 2, "story": 1, "feelings": 2, "reflect": 3}
    assert quiz.maximum == 7  # the most points any one route earns


def test_a_short_route_of_best_answers_scores_100_percent():
    # The long route offers 6 points, the short one 2: both score 100% with the best answer at each turn.
    quiz, errors = parse(
        quiz_text("## a\n- short -> end\n  +2\n- long -> b\n  +2\n\n## b\n- best -> end\n  +4\n- weak -> end\n  +1\n")
    )
    assert errors == [] and quiz.maximum == 6
    short = score_path(quiz, [Step("a", 0)])
    assert (short.score, short.possible, short.percent, short.passed) == (2, 2, 100, True)
    long = score_path(quiz, [Step("a", 1), Step("b", 0)])
    assert (long.score, long.possible, long.percent) == (6, 6, 100)


def test_results_list_each_decision_with_what_was_earned_of_what_was_possible():
    result = score_path(example(), WORKED_EXAMPLE[3][0])
    assert [(d.scene, d.earned, d.possible) for d in result.decisions] == [
        ("opening", -1, 2),
        ("story", 1, 1),
        ("feelings", 2, 2),
        ("reflect", 3, 3),
    ]
    pending = score_path(example(), [Step("opening", 0), Step("feelings", 0), Step("reflect")])
    assert pending.decisions[-1].earned is None and pending.pending


def test_a_route_with_nothing_possible_scores_100_percent():
    quiz, errors = parse(quiz_text("## a\n- calm -> end\n- go on -> b\n\n## b\n- x -> end\n  +1\n"))
    assert errors == []
    result = score_path(quiz, [Step("a", 0)])
    assert (result.score, result.possible, result.percent, result.passed) == (0, 0, 100, True)


def test_critical_choice_fails_whatever_the_score():
    quiz = example()
    result = score_path(quiz, [Step("opening", 2), Step("story", 1)])
    assert result.passed is False and result.critical and result.critical_scene == "story"
    assert is_finished(quiz, [Step("opening", 2), Step("story", 1)])


def test_written_scene_leaves_the_attempt_pending_until_graded():
    quiz = example()
    result = score_path(quiz, [Step("opening", 0), Step("feelings", 0), Step("reflect")])
    assert result.passed is None and result.pending and result.score == 4


def test_negative_total_is_floored_at_zero_only_at_the_end():
    quiz, errors = parse(quiz_text("## a\n- bad\n  -3\n- good\n  +2\n\n## b\n- better\n  +2\n- worse\n  -1\n"))
    assert errors == [] and quiz.maximum == 4
    assert score_path(quiz, [Step("a", 0), Step("b", 1)]).score == 0
    # -3 then +2: the running sum goes below zero but only the final sum is floored.
    assert score_path(quiz, [Step("a", 0), Step("b", 0)]).score == 0
    assert score_path(quiz, [Step("a", 1), Step("b", 1)]).score == 1


def test_pass_mark_uses_exact_arithmetic():
    assert passes(7, 10, 70) and not passes(69, 100, 70)
    assert passes(2, 3, 66.66) and not passes(2, 3, 66.67)
    assert passes(1, 3, 33.333333) and not passes(1, 3, 33.34)


def test_a_weaker_first_choice_costs_points_even_when_the_detour_offers_more():
    quiz, errors = parse(
        quiz_text("## a\n- left -> l\n  +1\n- right -> r\n  +2\n\n## l\n- x -> end\n  +3\n\n## r\n- y -> end\n  +2\n")
    )
    assert errors == [] and quiz.maximum == 4
    assert score_path(quiz, [Step("a", 0), Step("l", 0)]).percent == 80  # 4 of 2 + 3
    assert score_path(quiz, [Step("a", 1), Step("r", 0)]).percent == 100


def test_maximum_ignores_paths_through_critical_choices():
    quiz, errors = parse(quiz_text("## a\n- tempting -> end\n  +10\n  critical\n- safe -> end\n  +1\n"))
    assert errors == [] and quiz.maximum == 1


def test_linear_quiz_without_arrows():
    quiz, errors = parse(
        quiz_text(
            "## q1\n- a\n  +1\n- b\n\n## q2\n- c\n- d\n  +1\n\n## q3\n- e\n  +1\n- f\n", front="title: Q\npass_mark: 60"
        )
    )
    assert errors == [] and quiz.maximum == 3
    assert next_scene(quiz, "q1", 1) == "q2" and next_scene(quiz, "q3", 0) == "end"
    result = score_path(quiz, [Step("q1", 0), Step("q2", 1), Step("q3", 1)])
    assert result.score == 2 and result.passed is True


def test_per_competency_possible_depends_on_the_path_taken():
    quiz, errors = parse(
        quiz_text(
            "## a\n- warm -> w\n  +1 listening\n- cold -> c\n  +1 safety\n\n"
            "## w\n- x -> end\n  +3 listening\n  +1 safety\n- y -> end\n  -2 listening\n\n"
            "## c\n- z -> end\n  +2 safety\n  -1 listening\n"
        )
    )
    assert errors == []
    via_w = score_path(quiz, [Step("a", 0), Step("w", 1)])
    assert {(c.competency, c.earned, c.possible) for c in via_w.competencies} == {
        ("listening", -1, 4),
        ("safety", 0, 2),
    }
    via_c = score_path(quiz, [Step("a", 1), Step("c", 0)])
    # In scene c the best listening is -1, so its possible is 0 (never below 0).
    assert {(c.competency, c.earned, c.possible) for c in via_c.competencies} == {
        ("listening", -1, 1),
        ("safety", 3, 3),
    }


def test_rubric_counts_towards_competencies():
    quiz = example()
    result = score_path(quiz, [Step("opening", 0), Step("feelings", 0), Step("reflect", awards=(1, 1))])
    scores = {c.competency: (c.earned, c.possible) for c in result.competencies}
    assert scores["reflective-listening"] == (3, 4) and scores["open-questions"] == (3, 3)


def test_two_hundred_scene_role_play_is_scored_by_computation_not_enumeration():
    # Each scene offers two choices to each of the next two scenes: 2**199 paths, far too many to list.
    parts = []
    for i in range(200):
        if i == 199:
            parts.append(f"## s{i}\n- last -> end\n  +1 c{i % 3}\n")
            continue
        nxt = f"s{i + 1}"
        skip = f"s{i + 2}" if i + 2 < 200 else "end"
        parts.append(
            f"## s{i}\n- step -> {nxt}\n  +1 c{i % 3}\n- jump -> {skip}\n  +3\n- trap -> end\n  +50\n  critical\n"
        )
    quiz, errors = parse(quiz_text("\n".join(parts)))
    assert errors == []
    # Best: jump (+3) from s0, s2, ..., s198 (the last jump leads to the end): 100 jumps, 300 points.
    # The +50 traps are critical, so no maximum may count them.
    assert quiz.maximum == 300
    totals = best_totals(list(quiz.scenes))
    assert totals["s199"] == 1 and totals["s198"] == 3 and totals["s197"] == max(1 + 3, 3 + 1)
