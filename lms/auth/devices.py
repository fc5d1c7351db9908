"""Known devices: a browser that has logged in to an account keeps its way in while someone else
throws wrong passwords at that account.

A per-account limit on failed logins stops password guessing, but it also locked the owner out:
anyone who knew an email could keep its owner from logging in. So a successful login leaves a
*device cookie* in the browser (OWASP's "device cookie" lockout design): signed with the app's
secret key, bound to that account (a digest of its email), carrying a random device id, sent only
to ``/login``. A login attempt for the account named in a valid device cookie is counted against
that device (its own limit, the same numbers as the per-account one) instead of the account and
the IP. Someone else's failures, from browsers without that cookie, fill the account's and the
IP's counters and never the device's, so the owner's right password from their usual browser
still gets in; a stolen device cookie buys no more guesses than the account limit allows.

The cookie proves nothing by itself: the right password is still needed, and it is not a login.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, g, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from lms.people.services import normalise_email, token_digest

DEVICE_COOKIE = "lms_device"
# A device not used to log in for this long becomes unknown again.
DEVICE_DAYS = 180
_SALT = "lms-known-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def _account(email: str) -> str:
    # A digest, not the address: the cookie need not tell anyone who logs in from this browser.
    return token_digest(normalise_email(email))[:32]


def known_device(email: str) -> str | None:
    """The id of this request's device, if its device cookie was issued for the account ``email``
    names (and is unexpired and correctly signed); otherwise None. Verified once per request."""
    cache: dict[str, str | None] = g.setdefault("known_devices", {})
    if email not in cache:
        cache[email] = _device_for(email)
    return cache[email]


def _device_for(email: str) -> str | None:
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or not email:
        return None
    try:
        payload: Any = _serializer().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:  # also an expired signature
        return None
    if not isinstance(payload, dict) or payload.get("a") != _account(email):
        return None
    device = payload.get("d")
    return device if isinstance(device, str) and device else None


def remember_device(response: Response, email: str) -> None:
    """After a successful login: this browser is (still) a known device for the account."""
    device = known_device(email) or secrets.token_urlsafe(16)
    value = _serializer().dumps({"a": _account(email), "d": device})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 86400,
        path=url_for("auth.login"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
