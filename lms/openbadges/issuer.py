"""Who issues the badges: configured with ``LMS_ISSUER_NAME``, ``LMS_ISSUER_URL`` and
``LMS_ISSUER_EMAIL`` (the organisation running the LMS)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from lms.openbadges.urls import base_url

DEFAULT_NAME = "AI Literacy LMS"
DEFAULT_EMAIL = "badges@example.com"
DEFAULT_DESCRIPTION = "Badges and certificates for AI literacy learning at work."
FRAMEWORK = "AI Literacy Competency Model"


@dataclass(frozen=True)
class IssuerInfo:
    name: str
    url: str
    email: str
    description: str


def issuer_info() -> IssuerInfo:
    config = current_app.config
    return IssuerInfo(
        name=str(config.get("ISSUER_NAME") or DEFAULT_NAME),
        url=str(config.get("ISSUER_URL") or base_url() + "/"),
        email=str(config.get("ISSUER_EMAIL") or DEFAULT_EMAIL),
        description=str(config.get("ISSUER_DESCRIPTION") or DEFAULT_DESCRIPTION),
    )
