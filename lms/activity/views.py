"""GET /xapi/statements: a person's learning records as xAPI 1.0.3 statements (a JSON array).

Query arguments: ``since`` and ``until`` (UTC days, YYYY-MM-DD, both included) and ``email``
(repeatable). Without ``email`` everyone gets their own statements. An admin may name anyone,
deactivated people too; a manager may name the active people in their own org subtree; any other
name answers 404, exactly like a person who does not exist. The array is streamed, a batch of
rows at a time.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, stream_with_context
from flask_login import current_user

from lms.activity.service import (
    XAPI_VERSION,
    ExportError,
    base_url_from,
    day_range,
    find_people,
    json_array,
    parse_day,
    statements,
)
from lms.extensions import db
from lms.people.org import outside_subtree
from lms.security import not_found_for

bp = Blueprint("activity", __name__)


def _people_asked_for(emails: list[str]) -> list[int]:
    """The ids of the named people the current user may see; 404 for anyone else."""
    if not emails:
        return [current_user.id]
    people, unknown = find_people(db.session, emails)
    if unknown:
        not_found_for("xapi statements of an unknown email")
    ids = [person.id for person in people]
    if not current_user.is_admin:
        if any(not person.active for person in people):
            not_found_for("xapi statements of a deactivated person")
        others = [user_id for user_id in ids if user_id != current_user.id]
        outside = outside_subtree(db.session, current_user.id, others)
        if outside:
            not_found_for(f"xapi statements of user {outside[0]} outside the org subtree")
    return ids


@bp.get("/xapi/statements")
def xapi_statements() -> Response:
    try:
        since, until = day_range(
            parse_day(request.args.get("since"), "since"),
            parse_day(request.args.get("until"), "until"),
        )
    except ExportError:
        abort(400)
    user_ids = _people_asked_for(request.args.getlist("email"))
    chunks = json_array(
        statements(
            db.session,
            base_url_from(current_app.config),
            user_ids=user_ids,
            since=since,
            until=until,
        )
    )
    return Response(
        stream_with_context(chunks),
        mimetype="application/json",
        headers={"X-Experience-API-Version": XAPI_VERSION},
    )
