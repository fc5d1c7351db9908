"""The notifications page, "mark all read", and the unread count shown in the navigation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from lms.extensions import db
from lms.notifications import service

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def inject_unread_count() -> dict[str, Any]:
    """The bell's number, none for visitors. On read requests the user loader has already
    counted (``g.unread_notifications``, a subquery of its one statement); otherwise, or after
    notifications changed during the request, one COUNT here."""
    if not current_user or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    if "unread_notifications" not in g:
        g.unread_notifications = service.unread_count(db.session, current_user.id)
    return {"unread_notifications": g.unread_notifications}


@bp.get("/notifications")
def index() -> Any:
    return render_template(
        "notifications/index.html", notifications=service.recent(db.session, current_user.id)
    )


@bp.post("/notifications/read")
def mark_all_read() -> Any:
    service.mark_all_read(db.session, current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"))
