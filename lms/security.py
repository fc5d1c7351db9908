"""The security baseline every request passes through.

- Deny by default: a view needs a logged-in user unless it is decorated with :func:`public`.
- Role checks answer 403; object checks (someone outside your org subtree) answer 404 via ``abort``.
- Security headers on every response, including a strict Content-Security-Policy.
- Security events (logins, denials, CSRF failures) go to the ``lms.security`` logger with user
  and IP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import Flask, Response, abort, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.extensions import db, login_manager

security_log = logging.getLogger("lms.security")

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def requires(capability: str) -> Callable[[F], F]:
    """Allow only users with ``capability`` ("author", "admin" or "executive"); others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_capability(capability):
                log_denial(f"missing capability {capability}")
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def has_capability(capability: str) -> bool:
    if not current_user.is_authenticated:
        return False
    if current_user.is_admin:
        return True
    return bool(getattr(current_user, f"is_{capability}", False))


def client_ip() -> str:
    return request.remote_addr or "-"


def current_user_label() -> str:
    if current_user and current_user.is_authenticated:
        return f"user={current_user.id}"
    return "user=anonymous"


# URL arguments that are secrets (set-password tokens): logs show the route pattern instead.
SECRET_URL_ARGUMENTS = frozenset({"token"})


def loggable_path() -> str:
    """The request path, or its route pattern when the path carries a secret such as a token."""
    if request.url_rule is not None and SECRET_URL_ARGUMENTS & (request.view_args or {}).keys():
        return request.url_rule.rule
    return request.path


def log_denial(reason: str) -> None:
    security_log.warning(
        "access denied %s ip=%s path=%s reason=%s",
        current_user_label(),
        client_ip(),
        loggable_path(),
        reason,
    )


def not_found_for(reason: str) -> NoReturn:
    """Deny access to an object the user may not see, without confirming that it exists."""
    log_denial(reason)
    abort(404)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def carries_login() -> bool:
    """The request comes with a login (session or remember-me cookie), valid or not.

    Decides ``Cache-Control: no-store`` without loading the user: public responses (health check,
    static files, the login page) then cost no session lookup, and a page answered to a revoked
    login is not stored either.
    """
    if "_user_id" in session:
        return True
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return cookie_name in request.cookies


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from lms.auth.sessions import SessionLifetime, load_session_user

    lifetime = SessionLifetime.from_config(app.config)

    def load_user(token: str) -> Any:
        # Read requests render pages, so the loader's one statement also brings what the navigation
        # shows (kept in ``g`` for this request only). Writes usually redirect without rendering:
        # they skip the two subqueries, and a write that does render counts afresh after its
        # changes.
        nav_facts = request.method in SAFE_METHODS
        loaded = load_session_user(db.session, token, lifetime, nav_facts=nav_facts)
        if loaded is None:
            return None
        user, facts = loaded
        if facts is not None:
            g.is_manager = facts.is_manager
            g.unread_notifications = facts.unread_notifications
        return user

    login_manager.user_loader(load_user)

    @app.before_request
    def deny_by_default() -> Any:
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if view is not None and getattr(view, "is_public", False):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if carries_login():
            headers.setdefault("Cache-Control", "no-store")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        security_log.warning(
            "csrf failure %s ip=%s path=%s reason=%s",
            current_user_label(),
            client_ip(),
            loggable_path(),
            error.description,
        )
        return render_error(
            400, "The form expired or was not sent from this site. Please try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        if code == 429:
            security_log.warning(
                "rate limited %s ip=%s path=%s", current_user_label(), client_ip(), loggable_path()
            )
        if code in {401, 403, 404, 405, 413, 429}:
            return render_error(code, None)
        return error

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return error
        db.session.rollback()
        current_app.logger.exception("unhandled error on %s", loggable_path())
        return render_error(500, None)


ERROR_MESSAGES = {
    400: "The request could not be understood.",
    401: "Please log in to continue.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "That upload is too large.",
    429: "Too many attempts. Please wait a little and try again.",
    500: "Something went wrong on our side. Nothing you entered was lost; please try again.",
}


def render_error(code: int, message: str | None) -> tuple[str, int]:
    text = message or ERROR_MESSAGES.get(code, "Something went wrong.")
    return render_template("error.html", code=code, message=text), code
