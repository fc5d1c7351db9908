"""Properties of the pure level model (lms.literacy.model), and the documented thresholds.

See docs/literacy-model.md. Evidence is generated within a few years around 2024 so recency
weights stay well away from floating-point underflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lms.literacy.model import (
    CORE_AREAS,
    HALF_LIFE_DAYS,
    PRIOR_WEIGHT,
    RULES,
    AreaLevel,
    Evidence,
    area_level,
    levels_by_area,
    overall_level,
    shortfall,
)

AREA = "evaluating"
START = datetime(2024, 1, 1, 9, 0)
SPAN_SECONDS = 4 * 365 * 86_400

moments = st.integers(0, SPAN_SECONDS).map(lambda seconds: START + timedelta(seconds=seconds))
difficulties = st.sampled_from([1, 2, 3])


def answers_in(area: str) -> st.SearchStrategy[Evidence]:
    return st.builds(Evidence, st.just(area), difficulties, st.booleans(), moments)


answers = answers_in(AREA)
answer_lists = st.lists(answers, max_size=40)
# Mostly right, as learners who reach a level are: where the interesting level changes happen.
good_answers = st.builds(
    Evidence, st.just(AREA), difficulties, st.sampled_from([True, True, True, False]), moments
)
learner_histories = st.one_of(answer_lists, st.lists(good_answers, max_size=40))
area_names = st.sampled_from([*CORE_AREAS, "leading"])
mixed_answers = st.lists(st.builds(Evidence, area_names, difficulties, st.booleans(), moments))
level_maps = st.dictionaries(area_names, st.integers(0, 4))


def answer(difficulty: int, correct: bool, at: datetime = START) -> Evidence:
    return Evidence(AREA, difficulty, correct, at)


def flipped(item: Evidence) -> Evidence:
    return Evidence(item.competency, item.difficulty, not item.correct, item.at)


# ------------------------------------------------------------------------------------ bounds


@given(answer_lists)
def test_the_level_is_between_0_and_4_and_the_score_between_0_and_1(
    items: list[Evidence],
) -> None:
    result = area_level(items)
    assert result.level in {0, 1, 2, 3, 4}
    assert 0.0 <= result.score <= 1.0
    assert result.evidence >= 0.0


def test_no_evidence_is_level_0() -> None:
    assert area_level([]) == AreaLevel(0, 0.0, 0.0)
    assert levels_by_area([]) == {}


@given(st.lists(answers.map(lambda item: Evidence(AREA, item.difficulty, False, item.at))))
def test_only_wrong_answers_are_level_0(items: list[Evidence]) -> None:
    assert area_level(items).level == 0


# -------------------------------------------------------------------------------- monotonicity


@settings(max_examples=300)
@given(learner_histories, st.data())
def test_turning_a_wrong_answer_into_a_correct_one_never_lowers_the_level(
    items: list[Evidence], data: st.DataObject
) -> None:
    wrong = [index for index, item in enumerate(items) if not item.correct]
    assume(wrong)
    index = data.draw(st.sampled_from(wrong))
    better = [*items[:index], flipped(items[index]), *items[index + 1 :]]
    before, after = area_level(items), area_level(better)
    assert after.level >= before.level
    assert after.score >= before.score


@settings(max_examples=500)
@given(learner_histories, answers)
def test_adding_a_correct_answer_never_lowers_the_level(
    items: list[Evidence], extra: Evidence
) -> None:
    correct = Evidence(extra.competency, extra.difficulty, True, extra.at)
    assert area_level([*items, correct]).level >= area_level(items).level


@settings(max_examples=500)
@given(learner_histories, answers)
def test_adding_a_wrong_answer_never_raises_the_level(
    items: list[Evidence], extra: Evidence
) -> None:
    wrong = Evidence(extra.competency, extra.difficulty, False, extra.at)
    assert area_level([*items, wrong]).level <= area_level(items).level


def test_a_correct_answer_after_a_long_break_keeps_a_high_level() -> None:
    # Regression: recency is relative to the newest answer, so a new answer a year later makes
    # all older answers weigh a quarter. Before the fix the amount of evidence decayed with them
    # (and the prior did not), and this one extra correct answer took level 4 down to 3.
    strong = [answer(3, True, START + timedelta(minutes=i)) for i in range(20)]
    assert area_level(strong).level == 4
    later = START + timedelta(days=400)
    assert area_level([*strong, answer(1, True, later)]).level == 4
    assert area_level([*strong, answer(3, True, later)]).level == 4


def test_a_long_forgotten_wrong_answer_does_not_unlock_a_level() -> None:
    # Regression for the opposite direction: a very old wrong answer barely moves the recency
    # weighted share, so it must not count as evidence towards a level either.
    two_right = [answer(3, True), answer(2, True)]
    assert area_level(two_right).level == 1
    ancient = answer(1, False, START - timedelta(days=3000))
    assert area_level([*two_right, ancient]).level == 1


# ------------------------------------------------------------------------------ order, areas


@given(
    st.lists(answers, max_size=25).flatmap(lambda xs: st.tuples(st.just(xs), st.permutations(xs)))
)
def test_the_order_of_the_evidence_does_not_matter(
    pair: tuple[list[Evidence], list[Evidence]],
) -> None:
    items, shuffled = pair
    assert area_level(shuffled) == area_level(items)


@given(
    st.lists(
        st.builds(Evidence, area_names, difficulties, st.booleans(), moments), max_size=25
    ).flatmap(lambda xs: st.tuples(st.just(xs), st.permutations(xs)))
)
def test_levels_by_area_does_not_depend_on_order(
    pair: tuple[list[Evidence], list[Evidence]],
) -> None:
    items, shuffled = pair
    assert levels_by_area(shuffled) == levels_by_area(items)


@given(st.lists(answers_in("evaluating")), mixed_answers)
def test_evidence_in_other_areas_does_not_change_an_area(
    own: list[Evidence], others: list[Evidence]
) -> None:
    unrelated = [item for item in others if item.competency != AREA]
    alone = levels_by_area(own).get(AREA, AreaLevel(0, 0.0, 0.0))
    together = levels_by_area([*unrelated, *own, *unrelated]).get(AREA, AreaLevel(0, 0.0, 0.0))
    assert together == alone == area_level(own)


@given(mixed_answers)
def test_levels_by_area_is_area_level_of_each_group(items: list[Evidence]) -> None:
    result = levels_by_area(items)
    assert set(result) == {item.competency for item in items}
    for area, level in result.items():
        assert level == area_level([item for item in items if item.competency == area])


# ------------------------------------------------------------------------- little evidence


@given(answers)
def test_one_answer_gives_at_most_level_1(item: Evidence) -> None:
    assert area_level([item]).level <= 1


@given(st.lists(answers.filter(lambda item: item.difficulty < 3), max_size=6))
def test_a_handful_of_easy_and_medium_answers_never_reaches_level_3(
    items: list[Evidence],
) -> None:
    assert area_level(items).level <= 2


@given(st.lists(answers.filter(lambda item: item.difficulty < 3), max_size=200))
def test_no_number_of_questions_below_hard_reaches_level_3(items: list[Evidence]) -> None:
    assert area_level(items).level <= 2


@given(st.lists(answers.filter(lambda item: item.difficulty == 1), max_size=200))
def test_no_number_of_recall_questions_reaches_level_2(items: list[Evidence]) -> None:
    assert area_level(items).level <= 1


@given(st.lists(answers, max_size=3))
def test_the_baseline_three_questions_per_area_place_at_most_level_2(
    items: list[Evidence],
) -> None:
    assert area_level(items).level <= 2


def test_the_baseline_can_place_level_2_with_three_right_answers() -> None:
    assert area_level([answer(1, True), answer(2, True), answer(3, True)]).level == 2
    assert area_level([answer(1, True), answer(2, True), answer(3, False)]).level == 1


# ----------------------------------------------------------------------------- over time


def test_a_level_goes_down_when_newer_evidence_is_weaker() -> None:
    earlier = [answer(3, True, START + timedelta(hours=i)) for i in range(8)]
    assert area_level(earlier).level == 4
    weaker = [answer(2, False, START + timedelta(days=30, hours=i)) for i in range(4)]
    after = area_level([*earlier, *weaker])
    assert after.level < 4
    assert after.level == 2


@given(answer_lists, st.integers(-3 * 365 * 86_400, 30 * 365 * 86_400))
def test_time_passing_alone_never_changes_a_level(items: list[Evidence], seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    shifted = [Evidence(i.competency, i.difficulty, i.correct, i.at + delta) for i in items]
    assert area_level(shifted) == area_level(items)


@given(
    difficulties,
    st.integers(1, 12),
    st.integers(1, 12),
    st.lists(st.integers(0, 4 * 365), min_size=24, max_size=24, unique=True),
)
def test_recent_wrong_answers_lower_the_score_more_than_old_ones(
    difficulty: int, right: int, wrong: int, days: list[int]
) -> None:
    times = sorted(START + timedelta(days=day) for day in days[: right + wrong])
    # The same answers at the same moments; only which ones were wrong differs.
    wrong_recently = [answer(difficulty, index < right, at) for index, at in enumerate(times)]
    wrong_long_ago = [answer(difficulty, index >= wrong, at) for index, at in enumerate(times)]
    recent, old = area_level(wrong_recently), area_level(wrong_long_ago)
    assert recent.score <= old.score  # scores are rounded to 4 places: equal when days are close
    assert recent.level <= old.level
    if (times[-1] - times[0]).days >= HALF_LIFE_DAYS:
        assert recent.score < old.score


def test_the_same_answers_with_the_misses_recent_place_lower() -> None:
    times = [START + timedelta(days=90 * i) for i in range(8)]
    wrong_recently = [answer(3, i < 6, at) for i, at in enumerate(times)]
    wrong_long_ago = [answer(3, i >= 2, at) for i, at in enumerate(times)]
    assert area_level(wrong_recently) == AreaLevel(1, 0.4, 16.0)
    assert area_level(wrong_long_ago) == AreaLevel(3, 0.8, 16.0)


def test_an_answer_one_half_life_older_counts_half() -> None:
    old = START
    new = START + timedelta(days=HALF_LIFE_DAYS)
    # share = (1 * 0.5) / (1 * 0.5 + 1) = 1/3 when the old one is right and the new one wrong
    result = area_level([answer(1, True, old), answer(1, False, new)])
    assert result.score == pytest.approx((1 / 3) * 1 / (1 + PRIOR_WEIGHT), abs=1e-4)
    swapped = area_level([answer(1, False, old), answer(1, True, new)])
    assert swapped.score == pytest.approx((2 / 3) * 1 / (1 + PRIOR_WEIGHT), abs=1e-4)


# ---------------------------------------------------------------------- documented numbers


def test_the_rule_table_is_as_documented() -> None:
    assert [
        (r.level, r.min_score, r.min_correct, r.min_hard_correct, r.hard_difficulty) for r in RULES
    ] == [
        (4, 0.85, 14.0, 8.0, 3),
        (3, 0.72, 8.0, 4.0, 3),
        (2, 0.55, 4.0, 2.5, 2),
        (1, 0.30, 1.5, 1.0, 1),
    ]
    assert PRIOR_WEIGHT == 2.0
    assert HALF_LIFE_DAYS == 180.0


@pytest.mark.parametrize(
    ("answers_given", "level", "score"),
    [
        # one answer: at most Aware, and only from a medium or hard question
        ([(1, True)], 0, 1 / 3),
        ([(2, True)], 1, 1.5 / 3.5),
        ([(3, True)], 1, 2 / 4),
        # level 1 needs 1.5 of correct evidence: two recall questions
        ([(1, True), (1, True)], 1, 2 / 4),
        ([(1, True), (1, False)], 0, 0.5 * 1 / 3),
        # level 2: 4.0 of correct evidence, 2.5 of it at medium or above, score 0.55
        ([(2, True), (2, True), (1, True)], 2, 4 / 6),
        ([(2, True), (2, True)], 1, 3 / 5),  # only 3.0 of correct evidence
        ([(1, True)] * 6, 1, 6 / 8),  # plenty of evidence, but nothing at medium
        # level 3: 8.0 of correct evidence, 4.0 of it hard, score 0.72
        ([(3, True)] * 4, 3, 8 / 10),
        ([(3, True), (2, True), (2, True), (2, True), (2, True)], 2, 8 / 10),  # one hard only
        ([(3, True)] * 4 + [(3, False)], 2, 0.8 * 8 / 10),  # score 0.64
        # level 4: 14.0 of correct evidence, 8.0 of it hard, score 0.85
        ([(3, True)] * 7, 4, 14 / 16),
        ([(3, True)] * 6 + [(2, True)], 3, 13.5 / 15.5),  # 13.5 of correct evidence
        ([(3, True)] * 7 + [(1, False)], 3, 14 / 15 * 14 / 16),  # score 0.8167
        ([(3, True)] * 12 + [(1, False)], 4, 24 / 25 * 24 / 26),  # score 0.886
    ],
)
def test_documented_thresholds(
    answers_given: list[tuple[int, bool]], level: int, score: float
) -> None:
    result = area_level([answer(difficulty, correct) for difficulty, correct in answers_given])
    assert result.level == level
    assert result.score == pytest.approx(score, abs=1e-4)
    assert result.evidence == pytest.approx(
        sum({1: 1.0, 2: 1.5, 3: 2.0}[difficulty] for difficulty, _ in answers_given)
    )


@settings(max_examples=200)
@given(learner_histories, st.integers(1, 4))
def test_shortfall_is_empty_exactly_when_the_level_is_reached(
    history: list[Evidence], level: int
) -> None:
    """What the completion screen says would lift a level agrees with the level itself."""
    missing = shortfall(history, level)
    assert (missing == ()) == (area_level(history).level >= level)
    assert set(missing) <= {"score", "correct", "hard"}


def test_shortfall_names_what_is_missing() -> None:
    medium = [answer(2, True), answer(2, True), answer(1, True)]  # level 2, nothing hard
    assert shortfall(medium, 2) == ()
    assert shortfall(medium, 3) == ("score", "correct", "hard")
    easy = [answer(1, True)] * 6  # level 1: plenty right, none at medium
    assert shortfall(easy, 2) == ("hard",)
    hard = [answer(3, True)] * 4 + [answer(3, False)]  # 8.0 right and hard, share 0.8
    assert shortfall(hard, 3) == ("score",)
    assert shortfall([], 1) == ("score", "correct", "hard")


def test_answers_at_one_moment_score_correct_over_total_plus_prior_when_all_right() -> None:
    items = [answer(3, True), answer(2, True), answer(1, True)]
    assert area_level(items).score == pytest.approx(4.5 / (4.5 + PRIOR_WEIGHT), abs=1e-4)


# --------------------------------------------------------------------------------- overall


@given(level_maps)
def test_overall_level_is_between_0_and_4(levels: dict[str, int]) -> None:
    assert 0 <= overall_level(levels) <= 4


@given(level_maps)
def test_overall_level_is_the_rounded_down_mean_of_the_core_areas(levels: dict[str, int]) -> None:
    core = [levels.get(area, 0) for area in CORE_AREAS]
    assert overall_level(levels) == sum(core) // len(CORE_AREAS)
    assert min(core) <= overall_level(levels) <= max(core)


@given(level_maps, area_names)
def test_raising_one_area_never_lowers_the_overall_level(levels: dict[str, int], area: str) -> None:
    raised = {**levels, area: min(4, levels.get(area, 0) + 1)}
    assert overall_level(raised) >= overall_level(levels)


@given(level_maps, st.integers(0, 4))
def test_leading_does_not_count_towards_overall(levels: dict[str, int], leading: int) -> None:
    assert overall_level({**levels, "leading": leading}) == overall_level(levels)


@given(st.integers(0, 4))
def test_the_same_level_everywhere_is_that_overall_level(level: int) -> None:
    assert overall_level(dict.fromkeys(CORE_AREAS, level)) == level


def test_overall_level_examples() -> None:
    assert overall_level({}) == 0
    assert overall_level({"foundations": 4}) == 0  # missing areas count 0
    assert overall_level(dict.fromkeys(CORE_AREAS[:5], 2) | {"context": 1}) == 1
    assert overall_level(dict.fromkeys(CORE_AREAS, 3) | {"leading": 0}) == 3
    assert overall_level({"leading": 4}) == 0
