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
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, SelectChoice

from lms.champions.service import champions_in_team
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.downloads import attachment
from lms.extensions import db
from lms.inputs import query_int
from lms.learn.forms import GrantAttemptForm
from lms.learn.grants import accommodation_of, grants_for
from lms.mail import send
from lms.navigation import viewer_is_manager
from lms.people.models import JOB_FUNCTIONS, utcnow
from lms.security import log_denial, not_found_for
from lms.summaries.fragments import cached_fragment, flash_refreshed, render_fragment
from lms.summaries.store import Policy, Summary
from lms.team.attention import needs_attention
from lms.team.back import back_url
from lms.team.dashboard import TeamSummary, stored_team_summary
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
from lms.team.reminders import person_in_subtree, remind, reminders_for
from lms.team.scope import members_cte, resolve_scope
from lms.team.state import TeamState

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.before_request
def managers_only() -> Any:
    if not viewer_is_manager():
        log_denial("team pages without reports")
        return render_template("team/no_team.html"), 403
    return None


def _state(**extra: Any) -> TeamState:
    team_id = query_int("team", strict=True)
    resolved = resolve_scope(
        db.session, current_user.id, team_id, request.args.get("direct") == "1"
    )
    if resolved is None:
        not_found_for(f"team of user {team_id} outside the org subtree")
    scope, team_name = resolved
    return TeamState(scope, team_name, **extra)


class RefreshForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """The "Refresh now" button: the CSRF token and nothing else."""


class RemindForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """The "Remind" button: the CSRF token and the page to return to."""

    back = HiddenField(default="person")  # person, team or home


def _figures(state: TeamState, summary: Summary[TeamSummary]) -> Markup:
    """The figures' HTML, kept per stored summary and link variant (a sub-team's links carry
    ?team=): a large team's page then renders only its frame."""
    return cached_fragment(
        summary,
        lambda: render_fragment(
            "team/_summary.html",
            state=state,
            summary=summary.value,
            levels=LEVELS,
            competencies=COMPETENCIES,
        ),
        tuple(sorted(state.scope_args().items())),
    )


@bp.get("/")
def dashboard() -> Any:
    state = _state()
    policy = Policy.from_config(current_app.config)
    now = utcnow()
    summary = stored_team_summary(db.session, state.scope, now, policy)
    return render_template(
        "team/dashboard.html",
        state=state,
        summary=summary,
        # A large team's page reads stored figures and runs no live aggregate; its attention list
        # would be one, so it points to the People table's filters instead.
        attention=None
        if summary.stored
        else needs_attention(db.session, members_cte(state.scope), now),
        figures=_figures(state, summary),
        max_age_minutes=round(policy.max_age.total_seconds() / 60),
        # One statement that walks up from the champions: the same cost for any team size.
        champions=champions_in_team(db.session, state.scope.root_id, state.scope.direct_only),
    )


@bp.post("/refresh")
def refresh() -> Any:
    """Recompute a stored summary now (when another worker is not already doing so)."""
    state = _state()
    if RefreshForm().validate_on_submit():
        policy, now = Policy.from_config(current_app.config), utcnow()
        flash_refreshed(stored_team_summary(db.session, state.scope, now, policy, True), now)
    return redirect(state.dashboard_url(), code=303)


@bp.get("/people")
def people() -> Any:
    state = _state(
        filters=PeopleFilters.parse(request.args),
        sort=Sort.parse(request.args),
        page=query_int("page", 1),
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
            "Content-Disposition": attachment(f"team-{now:%Y-%m-%d}.csv"),
        },
    )


@bp.get("/people/<int:user_id>")
def person(user_id: int) -> Any:
    detail = person_detail(db.session, current_user.id, user_id, utcnow())
    if detail is None:
        not_found_for(f"team person page of user {user_id} outside the org subtree")
    grant_form = GrantAttemptForm(back="team")
    grant_form.course.choices = [
        SelectChoice(c.slug, c.title)
        for c in detail.courses
        if c.quiz_attempts and not c.quiz_passed
    ]
    return render_template(
        "team/person.html",
        detail=detail,
        levels=LEVELS,
        competencies=COMPETENCIES,
        grant_form=grant_form,
        remind_form=RemindForm(),
        reminders=reminders_for(db.session, user_id),
        grants=grants_for(db.session, user_id),
        has_accommodation=accommodation_of(db.session, user_id) is not None,
    )


@bp.post("/people/<int:user_id>/remind")
def remind_person(user_id: int) -> Any:
    """Remind someone in one's subtree (in-app and by email), at most once a day."""
    person = person_in_subtree(db.session, current_user.id, user_id)
    if person is None:
        not_found_for(f"reminder to user {user_id} outside the org subtree")
    form = RemindForm()
    back = back_url(form.back.data, user_id)
    if not form.validate_on_submit():
        return redirect(back, code=303)
    base_url = str(current_app.config.get("BASE_URL") or request.host_url)
    mail = remind(db.session, current_user, person, utcnow(), base_url)
    if mail is None:
        db.session.rollback()
        flash(
            f"You already reminded {person.name} today. You can remind them again tomorrow.",
            "error",
        )
        return redirect(back, code=303)
    report = send(current_app.config, [mail])
    if report.failed:
        db.session.rollback()
        flash(f"The reminder to {person.name} could not be sent. Please try again later.", "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(f"Reminder sent to {person.name}.", "success")
    return redirect(back, code=303)
