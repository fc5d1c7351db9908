"""Recording events and exporting them as xAPI 1.0.3 statements."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from lms.activity.models import VERBS, ActivityEvent
from lms.database import DbSession
from lms.inputs import FIRST_DAY, LAST_DAY
from lms.people.models import User, utcnow
from lms.people.services import normalise_email

XAPI_VERSION = "1.0.3"
# Stable namespace so a statement's id is the same on every export of the same event.
STATEMENT_NAMESPACE = uuid.UUID("6f1c3a52-7d0e-4b9f-9a43-3c2d0b1e5a77")
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def record(
    session: DbSession,
    user_id: int,
    verb: str,
    object_type: str,
    object_id: str,
    *,
    object_name: str = "",
    course_id: int | None = None,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ActivityEvent:
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}")
    event = ActivityEvent(
        user_id=user_id,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        object_name=object_name[:300],
        course_id=course_id,
        result=result,
        context=context,
        occurred_at=at or utcnow(),
    )
    session.add(event)
    return event


def events_for_export(
    session: DbSession,
    *,
    user_ids: list[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    batch: int = 1000,
) -> Iterator[tuple[ActivityEvent, User]]:
    statement = select(ActivityEvent, User).join(User, User.id == ActivityEvent.user_id)
    if user_ids is not None:
        statement = statement.where(ActivityEvent.user_id.in_(user_ids))
    else:  # everyone: deactivated people are left out of every export (docs/dashboards.md)
        statement = statement.where(User.active.is_(True))
    if since is not None:
        statement = statement.where(ActivityEvent.occurred_at >= since)
    if until is not None:
        statement = statement.where(ActivityEvent.occurred_at < until)
    statement = statement.order_by(ActivityEvent.occurred_at, ActivityEvent.id)
    for row in session.execute(statement.execution_options(yield_per=batch)):
        yield row[0], row[1]


def to_xapi(event: ActivityEvent, user: User, base_url: str) -> dict[str, Any]:
    """An xAPI 1.0.3 statement for one event."""
    base = base_url.rstrip("/")
    object_iri = f"{base}/xapi/{event.object_type}/{event.object_id}"
    statement: dict[str, Any] = {
        # The deployment's base URL is part of the name: two installations (staging and
        # production) sending to one LRS must not produce the same id for their event 1.
        "id": str(uuid.uuid5(STATEMENT_NAMESPACE, f"{base}/event:{event.id}")),
        "actor": {"objectType": "Agent", "name": user.name, "mbox": f"mailto:{user.email}"},
        "verb": {"id": VERBS[event.verb], "display": {"en-US": event.verb}},
        "object": {
            "objectType": "Activity",
            "id": object_iri,
            "definition": {
                "name": {"en-US": event.object_name or event.object_id},
                "type": _activity_type(event.object_type),
            },
        },
        "timestamp": event.occurred_at.isoformat(timespec="milliseconds") + "Z",
        "version": XAPI_VERSION,
    }
    if event.result:
        result: dict[str, Any] = {}
        if "scaled" in event.result:
            result["score"] = {"scaled": round(float(event.result["scaled"]), 4)}
            raw = event.result.get("score")
            if isinstance(raw, int | float) and 0 <= raw <= 100:
                # Attempts record their percentage as "score": xAPI's raw score within min/max.
                result["score"].update(raw=raw, min=0, max=100)
        if "success" in event.result:
            result["success"] = bool(event.result["success"])
        if "completion" in event.result:
            result["completion"] = bool(event.result["completion"])
        extensions = {
            key: value
            for key, value in event.result.items()
            if key not in {"scaled", "success", "completion"}
            and not (key == "score" and "raw" in result.get("score", {}))
        }
        if extensions:
            result["extensions"] = {
                f"{base_url.rstrip('/')}/xapi/result/{key}": value
                for key, value in extensions.items()
            }
        if result:
            statement["result"] = result
    if event.context:
        statement["context"] = {
            "platform": "ai-literacy-lms",
            "extensions": {
                f"{base_url.rstrip('/')}/xapi/context/{key}": value
                for key, value in event.context.items()
            },
        }
    return statement


def _activity_type(object_type: str) -> str:
    return {
        "course": "http://adlnet.gov/expapi/activities/course",
        "module": "http://adlnet.gov/expapi/activities/module",
        "quiz": "http://adlnet.gov/expapi/activities/assessment",
        "check": "http://adlnet.gov/expapi/activities/assessment",
        "baseline": "http://adlnet.gov/expapi/activities/assessment",
        "office-hours": "http://adlnet.gov/expapi/activities/meeting",
    }.get(object_type, "http://adlnet.gov/expapi/activities/objective")


# ----------------------------------------------------------------------------------- exporting


class ExportError(ValueError):
    """A bad export request (unknown person, bad date), with a message fit to show."""


def base_url_from(config: Mapping[str, Any]) -> str:
    """The IRI base for statements: one value for the CLI and the endpoint, so ids agree."""
    return str(config.get("BASE_URL") or DEFAULT_BASE_URL)


DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str | None, name: str) -> date | None:
    """``YYYY-MM-DD`` (a UTC day) or nothing; anything else is an :class:`ExportError`."""
    if not text:
        return None
    if DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if FIRST_DAY <= day <= LAST_DAY:  # the day after 9999-12-31 does not exist
                return day
    raise ExportError(
        f"{name} must be a date as YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}, not {text[:40]!r}"
    )


def day_range(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC days to a half-open range of moments: from the start of ``since`` to the end of
    ``until`` (both days included)."""
    if since is not None and until is not None and until < since:
        raise ExportError("until is before since")
    start = datetime.combine(since, time.min) if since else None
    end = datetime.combine(until, time.min) + timedelta(days=1) if until else None
    return start, end


def find_people(session: DbSession, emails: Iterable[str]) -> tuple[list[User], list[str]]:
    """The people with these emails (any case) and the emails no one has."""
    wanted = {normalise_email(email): email for email in emails}
    found = list(session.scalars(select(User).where(User.email.in_(wanted))))
    known = {user.email for user in found}
    return found, [email for key, email in wanted.items() if key not in known]


def statements(
    session: DbSession,
    base_url: str,
    *,
    user_ids: list[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """xAPI statements for the selected events, oldest first, fetched in batches."""
    for event, user in events_for_export(session, user_ids=user_ids, since=since, until=until):
        yield to_xapi(event, user, base_url)


def json_array(items: Iterable[Any]) -> Iterator[str]:
    """A JSON array in pieces, one element at a time, so nothing is held in memory whole."""
    yield "["
    separator = "\n"
    for item in items:
        yield separator + json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        separator = ",\n"
    yield "\n]\n"
