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
    ("AI at work", "adoption.index", "everyone"),
    ("Recognition", "recognition.wall", "everyone"),
    ("Pulse", "pulse.index", "everyone"),
    ("My team", "team.dashboard", "manager"),
    ("Assignments", "assignments.index", "manager"),
    ("Organisation", "org.overview", "executive"),
    ("Authoring", "authoring.index", "author"),
    ("Admin", "admin.people", "admin"),
]

# Features shown under another feature's menu entry: blueprint -> the entry's blueprint.
SECTIONS: dict[str, str] = {
    "tools": "adoption",
    "officehours": "adoption",
    "usecases": "adoption",
    "champions": "adoption",
}

# Links base.html shows on every page: name -> (endpoint, arguments).
SITE_LINKS: dict[str, tuple[str, dict[str, Any]]] = {
    "home": ("main.home", {}),
    "notifications": ("notifications.index", {}),
    "search": ("search.index", {}),
    "change_password": ("auth.change_password", {}),
    "logout": ("auth.logout", {}),
    "pico_css": ("static", {"filename": "vendor/pico/pico.min.css"}),
    "app_css": ("static", {"filename": "app.css"}),
}


@dataclass(frozen=True)
class _Links:
    """URLs that take no per-request arguments, built once per application root."""

    # (label, endpoint, audience, blueprint, url) for the registered entries of NAV.
    nav: list[tuple[str, str, str, str, str]]
    site: dict[str, str]


def _links() -> _Links:
    # url_for costs 5-15 us a call and every page built about fifteen identical URLs. They depend
    # only on the routes and on the application root (SCRIPT_NAME), so they are cached per root.
    cache: dict[str, _Links] = current_app.extensions.setdefault("lms.navigation.links", {})
    links = cache.get(request.script_root)
    if links is None:
        links = _Links(
            nav=[
                (label, endpoint, audience, endpoint.split(".", 1)[0], url_for(endpoint))
                for label, endpoint, audience in NAV
                if endpoint in current_app.view_functions
            ],
            site={name: url_for(endpoint, **args) for name, (endpoint, args) in SITE_LINKS.items()},
        )
        cache[request.script_root] = links
    return links


def viewer_is_manager() -> bool:
    """Whether the logged-in person has reports, asked once per request: usually already read by
    the user loader (security.load_user) in its one statement, else one query."""
    if "is_manager" not in g:
        g.is_manager = is_manager(db.session, current_user.id)
    return bool(g.is_manager)


def _allowed(audience: str) -> bool:
    if audience == "everyone":
        return True
    if audience == "manager":
        return viewer_is_manager()
    if current_user.is_admin:
        return True
    return bool(getattr(current_user, f"is_{audience}", False))


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    items = []
    for label, endpoint, audience, blueprint, url in _links().nav:
        if not _allowed(audience):
            continue
        section = SECTIONS.get(request.blueprint or "", request.blueprint)
        active = section == blueprint and (
            endpoint != "main.home" or request.endpoint == "main.home"
        )
        items.append(NavItem(label, url, active))
    return items


def init_app(app: Flask) -> None:
    from lms import layout

    layout.init_app(app)  # the scroll_boxes filter base.html's pages use

    @app.context_processor
    def inject_nav() -> dict[str, Any]:
        return {"nav_items": nav_items(), "site_urls": _links().site}
