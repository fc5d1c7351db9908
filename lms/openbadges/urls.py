"""Absolute URLs of everything Open Badges documents point at.

The base is ``BASE_URL`` (``LMS_BASE_URL``) when configured, else the host of the current request.
Set ``LMS_BASE_URL`` in production: ids inside issued credentials must stay the same whichever
host name a request used, and the CLI has no request to ask.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_request_context, request, url_for

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    configured = current_app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEFAULT_BASE_URL


@contextmanager
def url_context() -> Iterator[None]:
    """A request context on the base URL, for building URLs outside a request (the CLI)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=base_url()):
        yield


def absolute(endpoint: str, **values: Any) -> str:
    return base_url() + url_for(endpoint, **values)


class Urls:
    """The public URLs, one method each (endpoints of the ``openbadges`` blueprint)."""

    def issuer(self) -> str:
        return absolute("openbadges.issuer")

    def badge_class(self, slug: str) -> str:
        return absolute("openbadges.badge_class", slug=slug)

    def badge_image(self, slug: str) -> str:
        return absolute("openbadges.badge_image", slug=slug)

    def badge_page(self, slug: str) -> str:
        return absolute("openbadges.badge_page", slug=slug)

    def assertion(self, public_id: str) -> str:
        return absolute("openbadges.assertion", public_id=public_id)

    def revocation_list(self) -> str:
        return absolute("openbadges.revocation_list")

    def verification_page(self, public_id: str) -> str:
        return absolute("openbadges.award_verification", public_id=public_id)

    def framework(self, competency: str | None = None) -> str:
        url = absolute("openbadges.framework")
        return f"{url}#{competency}" if competency else url

    def jwks(self) -> str:
        return absolute("openbadges.jwks")

    def profile_v3(self) -> str:
        return absolute("openbadges.profile_v3")

    def achievement(self, slug: str) -> str:
        return absolute("openbadges.achievement", slug=slug)

    def course_achievement(self, slug: str) -> str:
        return absolute("openbadges.course_achievement", slug=slug)

    def revocations_v3(self) -> str:
        return absolute("openbadges.revocations_v3")

    def verify_v3(self) -> str:
        return absolute("openbadges.verify")

    def certificate(self, public_id: str) -> str:
        return absolute("recognition.certificate", public_id=public_id)

    def certificate_verification(self, public_id: str) -> str:
        return absolute("recognition.certificate_verification", public_id=public_id)
