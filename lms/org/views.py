"""The organisation view (executives and admins), the leaders' learning page (everyone, when the
organisation shows it) and the AI literacy record exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.downloads import attachment
from lms.extensions import db
from lms.literacy.model import CORE_AREAS
from lms.org import record as literacy_record
from lms.org import service as org_service
from lms.org.charts import org_trend_chart, stacked_bar
from lms.people.models import User, utcnow
from lms.security import has_capability, log_denial, not_found_for, requires
from lms.summaries.fragments import cached_fragment, flash_refreshed, render_fragment
from lms.summaries.store import Policy, Summary

bp = Blueprint("org", __name__, url_prefix="/org")

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ToggleForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A POST button: the CSRF token and nothing else."""


def _figures(summary: Summary[org_service.Overview], since: date | None) -> Markup:
    def render() -> Markup:
        data = summary.value
        return render_fragment(
            "org/_figures.html",
            data=data,
            since=data.week(since),
            trend=org_trend_chart(data),
            competencies=COMPETENCIES,
            core_areas=CORE_AREAS,
            levels=LEVELS,
            stacked_bar=stacked_bar,
        )

    # One rendering per week compared with: a handful (the weeks of the last six months).
    return cached_fragment(summary, render, "org", since)


@bp.get("/")
@requires("executive")
def overview() -> Any:
    policy = Policy.from_config(current_app.config)
    summary = org_service.stored_overview(db.session, utcnow(), policy)
    since = summary.value.since(request.args.get("since"))
    return render_template(
        "org/overview.html",
        summary=summary,
        figures=_figures(summary, since),
        show_leaders=org_service.leaders_shown(db.session),
        max_age_minutes=round(policy.max_age.total_seconds() / 60),
        form=ToggleForm(),
    )


@bp.post("/refresh")
@requires("executive")
def refresh() -> Any:
    """Recompute the stored overview now (when another worker is not already doing so)."""
    if ToggleForm().validate_on_submit():
        policy, now = Policy.from_config(current_app.config), utcnow()
        flash_refreshed(org_service.stored_overview(db.session, now, policy, force=True), now)
    return redirect(url_for("org.overview"), code=303)


@bp.get("/leaders")
def leaders() -> Any:
    shown = org_service.leaders_shown(db.session)
    if not shown and not current_user.is_admin:
        not_found_for("leaders' learning is not shown")
    return render_template(
        "org/leaders.html",
        leaders=org_service.leaders(db.session),
        shown=shown,
        levels=LEVELS,
        form=ToggleForm(),
    )


@bp.post("/settings/leaders")
@requires("admin")
def toggle_leaders() -> Any:
    form = ToggleForm()
    if not form.validate_on_submit():
        abort(400)
    turn_on = not org_service.leaders_shown(db.session)
    org_service.set_setting(
        db.session, org_service.SHOW_LEADERS, "on" if turn_on else "off", current_user
    )
    db.session.commit()
    flash(
        "Leaders' learning is now shown to everyone."
        if turn_on
        else "Leaders' learning is no longer shown.",
        "success",
    )
    return redirect(url_for("org.leaders"))


# --------------------------------------------------------------------------- literacy records


def _stream(
    people: Iterator[literacy_record.PersonRecord], fmt: str, label: str, scope: dict[str, Any]
) -> Response:
    generated = utcnow()
    if fmt == "csv":
        body = literacy_record.csv_lines(people, generated)
    else:
        body = literacy_record.json_chunks(people, generated, scope)
    response = Response(stream_with_context(body), mimetype=FORMATS[fmt])
    filename = literacy_record.record_filename(label, fmt, generated)
    response.headers["Content-Disposition"] = attachment(filename)
    return response


def _format_or_404(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt


@bp.get("/record/person/<int:user_id>.<fmt>")
def person_record(user_id: int, fmt: str) -> Response:
    _format_or_404(fmt)
    person = db.session.get(User, user_id)
    if person is None or not literacy_record.may_see_person(db.session, current_user, user_id):
        not_found_for(f"literacy record of user {user_id}")
    people = literacy_record.records(db.session, literacy_record.person_scope(user_id))
    return _stream(people, fmt, person.name, {"person": person.email})


@bp.get("/record/team/<int:manager_id>.<fmt>")
def team_record(manager_id: int, fmt: str) -> Response:
    _format_or_404(fmt)
    manager = db.session.get(User, manager_id)
    if manager is None or not literacy_record.may_see_team(db.session, current_user, manager_id):
        not_found_for(f"literacy record of the team of user {manager_id}")
    people = literacy_record.records(db.session, literacy_record.team_scope(manager_id))
    return _stream(
        people, fmt, f"team-{manager.name}", {"team_of": manager.email, "includes_manager": True}
    )


@bp.get("/record/everyone.<fmt>")
def everyone_record(fmt: str) -> Response:
    _format_or_404(fmt)
    if not has_capability("executive"):
        log_denial("missing capability executive")
        abort(403)
    people = literacy_record.records(db.session, literacy_record.everyone_scope())
    return _stream(people, fmt, "organisation", {"everyone": True})
