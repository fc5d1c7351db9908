"""Times of sessions: stored in UTC with the IANA zone they were planned in, shown in that zone.

There is no per-person time zone yet, so every page shows a session's time in its own zone,
labelled ("Tue 8 Dec 2026, 14:00-14:45 (Europe/Berlin)").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class TimeProblem(ValueError):
    """A local time that cannot be used, with a message fit to show."""


@cache
def time_zones() -> list[str]:
    """The zones people pick from: regions and cities (Europe/Berlin), plus UTC."""
    names = {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    return ["UTC", *sorted(names)]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise TimeProblem("Pick a time zone from the list.") from error


def to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The naive UTC moment of ``day`` at ``at`` in the zone. A time the clocks skip (the hour
    lost when summer time starts) is refused rather than silently moved."""
    local = datetime.combine(day, at, tzinfo=zone(zone_name))
    moment = local.astimezone(UTC)
    if moment.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimeProblem(
            "That time does not exist on that day in this time zone (the clocks go forward): "
            "pick another time."
        )
    return moment.replace(tzinfo=None)


def local(moment: datetime, zone_name: str) -> datetime:
    """A naive UTC moment as an aware time in the zone."""
    return moment.replace(tzinfo=UTC).astimezone(zone(zone_name))


def occurrences(
    first: date, at: time, zone_name: str, every_days: int, count: int
) -> list[datetime]:
    """UTC starts of a series: the same local time on every ``every_days``-th day, so a session
    after a daylight-saving change keeps its local time (and moves in UTC)."""
    if every_days == 0:
        return [to_utc(first, at, zone_name)]
    return [to_utc(first + timedelta(days=every_days * n), at, zone_name) for n in range(count)]


def when_text(starts_at: datetime, minutes: int, zone_name: str) -> str:
    """E.g. "Tue 8 Dec 2026, 14:00-14:45 (Europe/Berlin)"."""
    start = local(starts_at, zone_name)
    end = local(starts_at + timedelta(minutes=minutes), zone_name)
    day = f"{start:%a} {start.day} {start:%b %Y}"
    if end.date() != start.date():
        return f"{day}, {start:%H:%M} to {end:%a} {end.day} {end:%b} {end:%H:%M} ({zone_name})"
    return f"{day}, {start:%H:%M}-{end:%H:%M} ({zone_name})"


def day_text(starts_at: datetime, zone_name: str) -> str:
    start = local(starts_at, zone_name)
    return f"{start:%A} {start.day} {start:%B %Y}"
