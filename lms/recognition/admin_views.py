"""Admin pages for badges (``/admin/badges``): the badges with their award counts, every award,
and revoking an award with a reason. Admins only (everyone else: 403 before any view runs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from lms.extensions import db
from lms.inputs import Form, query_int
from lms.recognition import service
from lms.recognition.models import BadgeAward
from lms.recognition.rules import describe
from lms.security import requires

bp = Blueprint("badges_admin", __name__, url_prefix="/admin/badges")


class RevokeForm(Form):
    reason = StringField("Reason", validators=[DataRequired(), Length(max=service.MAX_REASON)])


@bp.before_request
@requires("admin")
def admins_only() -> None:
    """Every page here is for admins; others get 403 before any view runs."""


@bp.get("")
def index() -> Any:
    query = request.args.get("q", "").strip()[:100]
    badge = request.args.get("badge", "").strip()[:100]
    awards = service.search_awards(db.session, query, badge, query_int("page", 1))
    return render_template(
        "badges_admin/index.html",
        badges=service.badge_summaries(db.session),
        awards=awards,
        query=query,
        badge=badge,
        describe=describe,
    )


@bp.get("/<slug>.png")
def image(slug: str) -> Any:
    png = service.badge_png(db.session, slug)
    if png is None:
        abort(404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.post("/awards/<int:award_id>/revoke")
def revoke(award_id: int) -> Any:
    award = db.session.get(BadgeAward, award_id)
    if award is None:
        abort(404)
    form = RevokeForm()
    back = request.form.get("next", "")
    target = back if back.startswith("/admin/badges") else url_for("badges_admin.index")
    if not form.validate_on_submit():
        flash("Give a reason (up to 500 characters) to revoke a badge.", "error")
        return redirect(target)
    try:
        service.revoke(db.session, award, current_user, form.reason.data or "")
    except service.RevokeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(target)
    db.session.commit()
    flash(f"Revoked {award.badge.name} from {award.user.name}.", "success")
    return redirect(target)
