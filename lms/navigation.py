"""The main navigation, adapted to what the current user may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_login import current_user

from lms.extensions import db
from lms.people.org import is_manager


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, endpoint, who sees it). Endpoints that are not registered (yet) are skipped.
NAV: list[tuple[str, str, str]] = [
    ("Home", "main.home", "everyone"),
    ("Courses", "learn.catalog", "everyone"),
    ("Recognition", "recognition.wall", "everyone"),
    ("Pulse", "pulse.index", "everyone"),
    ("My team", "team.dashboard", "manager"),
    ("Assignments", "assignments.index", "manager"),
    ("Organisation", "org.overview", "executive"),
    ("Authoring", "authoring.index", "author"),
    ("Admin", "admin.people", "admin"),
]


def _allowed(audience: str) -> bool:
    if audience == "everyone":
        return True
    if audience == "manager":
        if "is_manager" not in g:
            g.is_manager = is_manager(db.session, current_user.id)
        return bool(g.is_manager)
    if current_user.is_admin:
        return True
    return bool(getattr(current_user, f"is_{audience}", False))


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    items = []
    for label, endpoint, audience in NAV:
        if endpoint not in current_app.view_functions or not _allowed(audience):
            continue
        blueprint = endpoint.split(".", 1)[0]
        active = request.blueprint == blueprint and (
            endpoint != "main.home" or request.endpoint == "main.home"
        )
        items.append(NavItem(label, url_for(endpoint), active))
    return items


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_nav() -> dict[str, Any]:
        return {"nav_items": nav_items()}
