from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.extensions import db
from lms.learn.home import home_summary
from lms.navigation import viewer_is_manager
from lms.people.models import utcnow
from lms.security import public
from lms.team.attention import needs_attention
from lms.team.scope import viewer_members_cte

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> Any:
    now, manager = utcnow(), viewer_is_manager()
    summary = home_summary(db.session, current_user, now, manager=manager)
    return render_template(
        "main/home.html",
        person=current_user,
        summary=summary,
        attention=(
            needs_attention(db.session, viewer_members_cte(current_user.id), now)
            if manager
            else None
        ),
        competencies=COMPETENCIES,
        levels=LEVELS,
    )


@bp.get("/healthz")
@public
def healthz() -> Any:
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the health check reports, never raises
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
