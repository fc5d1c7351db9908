"""The office hours' fixed words."""

from __future__ import annotations

# "Did this help?": answer -> words.
HELPFUL: dict[str, str] = {"yes": "Yes", "somewhat": "Somewhat", "no": "No"}
# How long a session lasts, in minutes -> words.
DURATIONS: dict[int, str] = {
    15: "15 minutes",
    30: "30 minutes",
    45: "45 minutes",
    60: "1 hour",
    90: "1 hour 30 minutes",
    120: "2 hours",
}
# How often a series repeats: days between sessions -> words.
REPEATS: dict[int, str] = {0: "Does not repeat", 7: "Every week", 14: "Every two weeks"}
MAX_OCCURRENCES = 26
MAX_CAPACITY = 500
DEFAULT_TIME_ZONE = "Europe/London"
# Reminders go to confirmed people of sessions starting within this many hours.
REMIND_WITHIN_HOURS = 24
