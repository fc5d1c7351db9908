"""Durations in the words people use (lms/words.py), as the templates print them."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string

from lms.words import duration_in_words


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (None, "not known"),
        (0.2, "less than a day"),
        (1, "1 day"),
        (1.4, "1 day"),
        (9.6, "10 days"),
        (13.9, "14 days"),
        (14, "2 weeks"),
        (45, "6 weeks"),
        (61, "about 2 months"),
        (282.4, "about 9 months"),
        (729, "about 24 months"),
        (730, "about 2 years"),
        (1100, "about 3 years"),
    ],
)
def test_a_duration_is_said_in_days_weeks_months_or_years(days: float | None, words: str) -> None:
    assert duration_in_words(days) == words


def test_templates_have_the_filter(app: Flask) -> None:
    with app.test_request_context():
        assert render_template_string("{{ 282.4 | duration_in_words }}") == "about 9 months"
