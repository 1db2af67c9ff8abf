"""The bundled course as a board would check it: every route of every role-play, walked."""
from lms.assessments.model import END
from lms.assessments.scoring import Step, passes, score_path
from lms.courses.loader import load_catalog

from helpers import BUNDLED_CONTENT


def routes(quiz):
    """Every route from the first scene to an end, as lists of steps (written scenes at full marks)."""
    stack = [(quiz.first, [])]
    while stack:
        scene, steps = stack.pop()
        if scene.kind == "ending":
            yield steps + [Step(scene.id)]
            continue
        if scene.kind == "written":
            options = [(scene.next, Step(scene.id, awards=tuple(c.points for c in scene.rubric)))]
        else:
            options = [(c.target, Step(scene.id, c.index)) for c in scene.choices]
        for target, step in options:
            if target == END:
                yield steps + [step]
            else:
                stack.append((quiz.scene(target), steps + [step]))


def test_every_role_play_has_a_full_score_route_and_no_passing_route_reaches_an_unsafe_ending():
    catalog = load_catalog(BUNDLED_CONTENT)
    walked = 0
    for module in catalog.modules.values():
        for quiz in module.assessments:
            full_score = False
            for steps in routes(quiz):
                walked += 1
                result = score_path(quiz, steps)
                if result.critical:
                    continue
                passed = passes(result.score, result.possible, quiz.pass_mark)
                full_score |= result.score == result.possible
                ending = steps[-1].scene
                assert not (passed and ending in quiz.unsafe_endings), \
                    f"{module.slug}/{quiz.slug}: a passing route reaches the unsafe ending '{ending}': " \
                    + " -> ".join(s.scene for s in steps)
            assert full_score, f"{module.slug}/{quiz.slug}: no route of model answers scores 100%"
    assert walked > 100
