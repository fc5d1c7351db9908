"""Where a manager's action on one person (remind, assign a course, give kudos) returns to.

The page is named by a token, never by a URL taken from the request, so a crafted link cannot send
the manager anywhere else after the action.
"""

from __future__ import annotations

from flask import url_for

BACK_PAGES = ("person", "team", "home")


def back_url(back: str | None, user_id: int) -> str:
    """The person page (the default), the team dashboard or the home page."""
    if back == "team":
        return url_for("team.dashboard")
    if back == "home":
        return url_for("main.home")
    return url_for("team.person", user_id=user_id)


def back_label(back: str | None, name: str) -> str:
    """The words of a link to :func:`back_url`."""
    if back == "team":
        return "My team"
    if back == "home":
        return "Home"
    return name


def back_token(value: str | None) -> str | None:
    """``value`` if it names a page to return to, else ``None``."""
    return value if value in BACK_PAGES else None
