from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth import devices, sessions
from lms.auth.forms import ChangePasswordForm, LoginForm, LogoutForm, SetPasswordForm
from lms.extensions import db, limiter
from lms.people.services import (
    change_password as store_new_password,
)
from lms.people.services import (
    find_password_token_by_digest,
    find_user_by_email,
    find_valid_password_token,
    normalise_email,
    set_password_with_link,
    token_digest,
    verify_password,
)
from lms.security import client_ip, public, security_log

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "That email and password do not match an active account."


def _login_email() -> str:
    # Read before the form is validated: bounded, as it becomes a throttling key.
    return normalise_email(request.form.get("email", "")[:320])


def _account_key() -> str:
    return "login-account:" + _login_email()


def _device_key() -> str:
    return "login-device:" + (devices.known_device(_login_email()) or "")


def _from_known_device() -> bool:
    return devices.known_device(_login_email()) is not None


def _from_unknown_device() -> bool:
    return not _from_known_device()


def _failed(response: Response) -> bool:
    # Only failed attempts count towards the limits: a successful login redirects.
    return response.status_code != 302


def _per_account() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


# Each failed login counts in one place: against the device when the browser is a known device of
# the account named (lms/auth/devices.py), else against the account and the IP. Someone else's
# failures then never stop the owner's usual browser.
@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_known_device,
)
@limiter.limit(
    _per_account,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_known_device,
)
@limiter.limit(
    _per_account,
    key_func=_device_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_unknown_device,
)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(db.session, form.email.data or "")
        active_user = user if user is not None and user.active else None
        if verify_password(active_user, form.password.data or "") and active_user is not None:
            # A fresh Flask session: nothing from before login survives (session fixation).
            session.clear()
            sessions.start_session(
                db.session, active_user, client_ip(), request.user_agent.string or ""
            )
            db.session.commit()
            login_user(active_user, remember=bool(form.remember.data))
            security_log.info("login success user=%s ip=%s", active_user.id, client_ip())
            response = redirect(_safe_next(request.args.get("next")))
            devices.remember_device(response, active_user.email)
            return response
        security_log.warning(
            "login failure email=%s ip=%s", normalise_email(form.email.data or ""), client_ip()
        )
        flash(LOGIN_FAILED, "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 401


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect).

    Browsers read a backslash as a slash and drop tabs and newlines, so ``/\\evil.example`` and
    ``/<tab>/evil.example`` lead off-site too: such targets are refused.
    """
    if target and target.startswith("/") and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not target.startswith("//"):
            return target
    return url_for("main.home")


@bp.post("/logout")
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        token = current_user.auth_session_token
        user_id = current_user.id
        if token:
            sessions.revoke_session(db.session, token)
        db.session.commit()
        # Clear first: logout_user() leaves a note in the session that makes Flask-Login delete the
        # remember-me cookie from the browser.
        session.clear()
        logout_user()
        security_log.info("logout user=%s ip=%s", user_id, client_ip())
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


# The signed session remembers which link was opened (its digest, never the token itself).
PASSWORD_LINK = "password_link"  # noqa: S105  (a session key, not a secret)


@bp.get("/set-password/<token>")
@public
def set_password_with_token(token: str) -> Any:
    """Where a set-password link lands. Opening it changes nothing (mail scanners open links);
    it moves the token out of the URL: the token digest goes into the signed session and the
    browser is sent on to ``/set-password``, so the token appears in one access-log line and
    never in the address bar, the history, a Referer or the form's POST."""
    if find_valid_password_token(db.session, token) is None:
        return render_template("auth/token_invalid.html"), 404
    session[PASSWORD_LINK] = token_digest(token)
    return redirect(url_for("auth.set_password_form"), 303)


@bp.route("/set-password", methods=["GET", "POST"])
@public
@limiter.limit("30 per hour", methods=["POST"])
def set_password_form() -> Any:
    digest = str(session.get(PASSWORD_LINK) or "")
    record = find_password_token_by_digest(db.session, digest) if digest else None
    if record is None:
        return render_template("auth/token_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = set_password_with_link(db.session, digest, form.password.data or "")
        session.pop(PASSWORD_LINK, None)
        if user is None:  # another request used the link a moment ago
            db.session.rollback()
            return render_template("auth/token_invalid.html"), 404
        sessions.revoke_all_sessions(db.session, user.id)
        db.session.commit()
        security_log.info("password set via link user=%s ip=%s", user.id, client_ip())
        flash("Your password is set. Please log in.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, person=record.user)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user, form.current.data or ""):
            form.current.errors = ["That is not your current password."]
        else:
            user = current_user._get_current_object()
            # "Keep me signed in" survives the change: the browser's remember-me cookie (whose
            # token dies below) is replaced with one for the new session, not left behind dead.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            keep_signed_in = remembered in request.cookies
            store_new_password(db.session, user, form.password.data or "")
            # Every session ends, this one included (a cookie captured before the change is dead);
            # this browser continues with a brand-new session.
            sessions.revoke_all_sessions(db.session, user.id)
            session.clear()
            sessions.start_session(db.session, user, client_ip(), request.user_agent.string or "")
            db.session.commit()
            login_user(user, remember=keep_signed_in)
            security_log.info("password changed user=%s ip=%s", user.id, client_ip())
            flash("Your password has changed. You were logged out everywhere else.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
