"""Team pages for managers: the dashboard, the people table, its CSV export and a person page.

Only people with reports get in (everyone else: a 403 page saying so). A sub-team, person or
filter outside the manager's own subtree answers 404 through ``not_found_for``.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user

from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.extensions import db
from lms.people.models import JOB_FUNCTIONS, utcnow
from lms.people.org import is_manager
from lms.security import log_denial, not_found_for
from lms.team.cache import TtlCache
from lms.team.dashboard import TeamSummary, team_summary
from lms.team.export import csv_chunks
from lms.team.people import (
    AREAS,
    SHORT_LABELS,
    PeopleFilters,
    Sort,
    iter_people,
    people_page,
    person_detail,
)
from lms.team.scope import resolve_scope
from lms.team.state import TeamState

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.before_request
def managers_only() -> Any:
    if not is_manager(db.session, current_user.id):
        log_denial("team pages without reports")
        return render_template("team/no_team.html"), 403
    g.is_manager = True  # the navigation asks the same question: answer it once
    return None


def _state(**extra: Any) -> TeamState:
    team_id = request.args.get("team", type=int)
    resolved = resolve_scope(
        db.session, current_user.id, team_id, request.args.get("direct") == "1"
    )
    if resolved is None:
        not_found_for(f"team of user {team_id} outside the org subtree")
    scope, team_name = resolved
    return TeamState(scope, team_name, **extra)


def _summary(state: TeamState) -> TeamSummary:
    scope = state.scope

    def compute() -> TeamSummary:
        return team_summary(db.session, scope, utcnow())

    seconds = float(current_app.config.get("TEAM_SUMMARY_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return compute()
    cache: TtlCache[TeamSummary] = current_app.extensions.setdefault("team_summaries", TtlCache())
    return cache.get_or_compute((scope.root_id, scope.direct_only), seconds, compute)


@bp.get("/")
def dashboard() -> Any:
    state = _state()
    summary = _summary(state)
    return render_template(
        "team/dashboard.html",
        state=state,
        summary=summary,
        levels=LEVELS,
        competencies=COMPETENCIES,
    )


@bp.get("/people")
def people() -> Any:
    state = _state(
        filters=PeopleFilters.parse(request.args),
        sort=Sort.parse(request.args),
        page=request.args.get("page", 1, type=int),
    )
    result = people_page(db.session, state.scope, state.filters, state.sort, state.page, utcnow())
    return render_template(
        "team/people.html",
        state=state,
        result=result,
        areas=AREAS,
        competencies=COMPETENCIES,
        levels=LEVELS,
        functions=JOB_FUNCTIONS,
        short_labels=SHORT_LABELS,
    )


@bp.get("/people.csv")
def export() -> Response:
    state = _state(filters=PeopleFilters.parse(request.args), sort=Sort.parse(request.args))
    now = utcnow()
    rows = iter_people(db.session, state.scope, state.filters, state.sort, now)
    return Response(
        stream_with_context(csv_chunks(rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="team-{now:%Y-%m-%d}.csv"',
        },
    )


@bp.get("/people/<int:user_id>")
def person(user_id: int) -> Any:
    detail = person_detail(db.session, current_user.id, user_id, utcnow())
    if detail is None:
        not_found_for(f"team person page of user {user_id} outside the org subtree")
    return render_template(
        "team/person.html", detail=detail, levels=LEVELS, competencies=COMPETENCIES
    )
