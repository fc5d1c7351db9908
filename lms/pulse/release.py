"""When the figures of a round may be shown: the release rule against differencing.

If the figures of a round that people can still answer were shown, anyone could read them, wait
for one colleague to answer and read them again: the change in each mean, share and count is that
colleague's answers. So a round's figures are shown only once nobody can add to them any more (a
day after the round closes, so that an answer sent in the round's last second is counted before
anyone sees them), and until then only the number of people who answered, rounded down to a
multiple of the minimum group: one more answer changes nothing on the page unless it completes a
step of ``minimum`` answers. See docs/pulse.md, "Open rounds".
"""

from __future__ import annotations

from datetime import date, timedelta

from lms.pulse.models import Pulse
from lms.pulse.service import next_round


def last_day(pulse: Pulse, start: date) -> date | None:
    """The last day the round starting on ``start`` can be answered, or None if it never closes."""
    closes = next_round(pulse, start)
    return None if closes is None else closes - timedelta(days=1)


def figures_on(pulse: Pulse, start: date) -> date | None:
    """The first day the figures of the round starting on ``start`` are shown, or None for a
    round that never closes (``once``)."""
    closes = next_round(pulse, start)  # the next round starts the day this one is closed
    return None if closes is None else closes + timedelta(days=1)


def figures_released(pulse: Pulse, start: date, today: date) -> bool:
    day = figures_on(pulse, start)
    return day is not None and today >= day


def answered_in_steps(answered: int, step: int) -> int:
    """How many people answered, rounded down to a multiple of ``step``: what an open round
    shows, so that a single answer is not seen unless it completes a step."""
    return answered // step * step
