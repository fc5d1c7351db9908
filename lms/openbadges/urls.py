"""Absolute URLs of everything Open Badges documents point at.

The base is always ``BASE_URL`` (``LMS_BASE_URL``), the public address of the app, and never the
request: whoever downloads a credential chooses the ``Host`` header (and, behind a proxy,
``X-Forwarded-*``), and the ids inside an issuer-signed credential must not be theirs to pick.
Paths are built from the URL map alone, so the request's ``SCRIPT_NAME`` does not leak in either;
a web request, the CLI and a verifier therefore all agree on every id. Without a base URL nothing
is issued or verified: :class:`BaseUrlMissing` (a 503 with plain words, a one-line CLI error).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable


class BaseUrlMissing(ServiceUnavailable):
    description = (
        "Badges and credentials are not available yet: the administrator must set LMS_BASE_URL "
        "to the public address of this site."
    )


def base_url() -> str:
    configured = current_app.config.get("BASE_URL")
    if not configured:
        raise BaseUrlMissing()
    return str(configured).rstrip("/")


def absolute(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return base_url() + adapter.build(endpoint, values)


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
