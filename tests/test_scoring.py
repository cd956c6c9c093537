"""The check's score and qualification (actions/scoring.py + content/scoring.yml, PRODUCT §5.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.scoring import RUBRIC_PATH, load_rubric, motivation_points, score

STRONG_MOTIVATION = {
    "nl": "Ik wil een echte job vinden in de IT, want ik zit al een jaar thuis en ik wil mijn "
    "familie tonen dat ik het kan. Ik ben al van kleins af gefascineerd door computers.",
    "fr": "Je veux trouver un vrai travail dans l'informatique, parce que je suis à la maison "
    "depuis un an et je veux montrer à ma famille que je peux y arriver. J'adore les jeux.",
    "en": "I want a real job in tech because I've been stuck at home for a year and I want to "
    "show my family I can do it. I have always loved computers and building things.",
}


def answers(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "first_name": "Sam",
        "age": 21,
        "campus": "ghent",
        "situation": "job_seeker",
        "registered": "yes",
        "experience": "none",
        "motivation": STRONG_MOTIVATION["nl"],
        "commitment": "yes",
        "contact": "+32470123456",
        "consent": True,
    }
    base.update(overrides)
    return base


def test_rubric_file_has_the_weights_of_the_spec() -> None:
    rubric = yaml.safe_load(Path(RUBRIC_PATH).read_text(encoding="utf-8"))
    assert rubric["threshold"] == 50
    assert rubric["commitment"] == {"yes": 35, "unsure": 15, "no": 0}
    assert rubric["situation"]["job_seeker"] == 15 and rubric["situation"]["other"] == 5
    assert rubric["registered"] == {"yes": 10, "unknown": 5, "no": 0}
    assert rubric["campus_in_list"] == 5 and rubric["completed_check"] == 10
    assert rubric["motivation"]["max"] == 25
    assert "experience" not in rubric  # experience carries no weight


def test_the_best_candidate_scores_the_maximum() -> None:
    result = score(answers())
    assert result.breakdown == {
        "commitment": 35,
        "motivation": 25,
        "situation": 15,
        "registered": 10,
        "campus": 5,
        "completed": 10,
    }
    assert result.score == 100
    assert result.qualified and result.status == "new"


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_a_concrete_motivation_scores_high_in_every_language(language: str) -> None:
    points = motivation_points(STRONG_MOTIVATION[language], load_rubric()["motivation"])
    assert points == 25


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("", 0),
        ("geld", 2 + 4),  # one word, one reason group (income)
        ("omdat het leuk is", 2 + 4),
        ("ik wil gewoon iets doen met mijn leven", 6),
        ("je veux apprendre à coder pour trouver un travail", 6 + 8),
        ("I want a job", 2 + 4),
        ("because I want to learn programming and get a job and be proud of it finally", 10 + 10),
    ],
)
def test_motivation_points_by_length_and_reasons(text: str, points: int) -> None:
    assert motivation_points(text, load_rubric()["motivation"]) == points


def test_experience_carries_no_weight() -> None:
    scores = {score(answers(experience=value)).score for value in ("none", "some", "a_lot")}
    assert len(scores) == 1


@pytest.mark.parametrize(
    ("overrides", "commitment_points"),
    [({"commitment": "yes"}, 35), ({"commitment": "unsure"}, 15), ({"commitment": "no"}, 0)],
)
def test_commitment_points(overrides: dict[str, object], commitment_points: int) -> None:
    assert score(answers(**overrides)).breakdown["commitment"] == commitment_points


def test_situation_registered_and_campus_points() -> None:
    assert score(answers(situation="student")).breakdown["situation"] == 0
    assert score(answers(situation="employed")).breakdown["situation"] == 0
    assert score(answers(situation="other")).breakdown["situation"] == 5
    assert score(answers(registered="unknown")).breakdown["registered"] == 5
    assert score(answers(registered="no")).breakdown["registered"] == 0
    assert score(answers(campus="other")).breakdown["campus"] == 0
    assert score(answers(campus="liege")).breakdown["campus"] == 5


def test_an_incomplete_check_gets_no_completion_points() -> None:
    assert score(answers(motivation=None)).breakdown["completed"] == 0
    assert score(answers()).breakdown["completed"] == 10


def test_under_18_is_never_qualified_but_kept_as_nurture() -> None:
    result = score(answers(age=17))
    assert result.score == 100
    assert not result.qualified and result.status == "nurture"


def test_exactly_18_qualifies() -> None:
    assert score(answers(age=18)).qualified


def test_commitment_no_is_never_qualified_even_with_a_high_score() -> None:
    result = score(answers(commitment="no"))
    assert result.score >= 50
    assert not result.qualified and result.status == "nurture"


def test_no_consent_is_never_qualified_and_never_stored() -> None:
    result = score(answers(consent=False))
    assert not result.qualified and result.status == "not_stored"


def test_the_threshold_decides_between_new_and_nurture() -> None:
    # student, not registered, other city, unsure, short motivation: 15 + 2 + 0 + 0 + 0 + 10
    low = score(
        answers(
            situation="student",
            registered="no",
            campus="other",
            commitment="unsure",
            motivation="gewoon",
        )
    )
    assert low.score == 27
    assert not low.qualified and low.status == "nurture"
    # the same with commitment yes: 35 + 2 + 10 = 47, still under 50
    almost = score(
        answers(
            situation="student",
            registered="no",
            campus="other",
            commitment="yes",
            motivation="gewoon",
        )
    )
    assert almost.score == 47 and not almost.qualified
    # a campus of ours brings it over the threshold: 52
    enough = score(
        answers(
            situation="student",
            registered="no",
            campus="ghent",
            commitment="yes",
            motivation="gewoon",
        )
    )
    assert enough.score == 52 and enough.qualified and enough.status == "new"


def test_a_custom_rubric_changes_the_threshold() -> None:
    rubric = load_rubric()
    strict = {**rubric, "threshold": 95}
    result = score(answers(registered="no"), rubric=strict)
    assert result.score == 90
    assert not result.qualified and result.status == "nurture"


def test_missing_or_odd_values_score_zero_instead_of_failing() -> None:
    result = score({"age": "abc", "consent": True, "commitment": "maybe", "campus": None})
    assert result.score == 0
    assert not result.qualified
