"""Recording events and exporting them as xAPI 1.0.3 statements."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from lms.activity.models import VERBS, ActivityEvent
from lms.database import DbSession
from lms.people.models import User, utcnow

XAPI_VERSION = "1.0.3"
# Stable namespace so a statement's id is the same on every export of the same event.
STATEMENT_NAMESPACE = uuid.UUID("6f1c3a52-7d0e-4b9f-9a43-3c2d0b1e5a77")


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
    if since is not None:
        statement = statement.where(ActivityEvent.occurred_at >= since)
    if until is not None:
        statement = statement.where(ActivityEvent.occurred_at < until)
    statement = statement.order_by(ActivityEvent.occurred_at, ActivityEvent.id)
    for row in session.execute(statement.execution_options(yield_per=batch)):
        yield row[0], row[1]


def to_xapi(event: ActivityEvent, user: User, base_url: str) -> dict[str, Any]:
    """An xAPI 1.0.3 statement for one event."""
    object_iri = f"{base_url.rstrip('/')}/xapi/{event.object_type}/{event.object_id}"
    statement: dict[str, Any] = {
        "id": str(uuid.uuid5(STATEMENT_NAMESPACE, f"event:{event.id}")),
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
        if "success" in event.result:
            result["success"] = bool(event.result["success"])
        if "completion" in event.result:
            result["completion"] = bool(event.result["completion"])
        extensions = {
            key: value
            for key, value in event.result.items()
            if key not in {"scaled", "success", "completion"}
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
    }.get(object_type, "http://adlnet.gov/expapi/activities/objective")
