"""Calendar invitations (.ics, RFC 5545) built with the ``icalendar`` library.

Each event carries its local start and end with the session's TZID and the calendar a VTIMEZONE
for each zone used, so a calendar shows the time it was planned at, also after a daylight-saving
change (a weekly series at 14:00 in Berlin is 12:00 UTC in summer time and 13:00 UTC after).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from lms.officehours.models import OfficeHoursSession
from lms.officehours.times import local
from lms.people.models import utcnow


def _event(office_hours: OfficeHoursSession, host_name: str, base_url: str, domain: str) -> Event:
    start = local(office_hours.starts_at, office_hours.time_zone)
    page = f"{base_url.rstrip('/')}/office-hours/{office_hours.id}"
    event = Event()
    event.add("uid", f"office-hours-{office_hours.id}@{domain}")
    event.add("dtstamp", utcnow().replace(tzinfo=UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=office_hours.duration_minutes))
    event.add("summary", f"Office hours: {office_hours.title}")
    where = office_hours.room or office_hours.online_url
    if where:
        event.add("location", where)
    lines = [office_hours.topic, f"Host: {host_name}"]
    if office_hours.online_url:
        lines.append(f"Join online: {office_hours.online_url}")
    lines.append(f"Details and sign-up: {page}")
    event.add("description", "\n".join(lines))
    event.add("url", page)
    event.add("status", "CANCELLED" if office_hours.cancelled_at else "CONFIRMED")
    return event


def calendar_file(
    sessions: Iterable[tuple[OfficeHoursSession, str]], base_url: str, name: str
) -> bytes:
    """The .ics of these sessions (each with its host's name)."""
    domain = urlsplit(base_url).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//ai-literacy-lms//office hours//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    years: list[int] = []
    for office_hours, host_name in sessions:
        calendar.add_component(_event(office_hours, host_name, base_url, domain))
        years.append(office_hours.starts_at.year)
    if years:
        # VTIMEZONE rules for the years the events fall in (the library's default window ends
        # in 2038), a year either side for sessions near New Year in far-off zones.
        calendar.add_missing_timezones(date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1))
    return bytes(calendar.to_ical())
