"""Open Badges 2.0 documents for hosted verification (https://w3id.org/openbadges/v2).

Pure builders: they take rows and URLs and return JSON-ready dicts. Every ``id`` is the absolute
URL the document is served at, so a verifier can fetch each one.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import nh3

from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.openbadges.issuer import FRAMEWORK, IssuerInfo
from lms.openbadges.urls import Urls
from lms.recognition.models import Badge, BadgeAward

CONTEXT = "https://w3id.org/openbadges/v2"
MEDIA_TYPE = "application/ld+json"


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` (the database keeps naive UTC)."""
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def hashed_email(email: str, salt: str) -> str:
    """``sha256$`` + hex SHA-256 of the email followed by the salt (Open Badges IdentityObject)."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def plain_text(fragment: str) -> str:
    """Sanitized HTML as one line of text (for ``narrative`` fields)."""
    text = html.unescape(nh3.clean(fragment, tags=set()))
    return re.sub(r"\s+", " ", text).strip()


def competency_name(code: str) -> str:
    return COMPETENCIES.get(code, code.replace("-", " ").capitalize())


def alignment_description(code: str, level: int | None) -> str:
    if level is None:
        return f"{competency_name(code)} in the {FRAMEWORK}."
    label = LEVELS.get(level, str(level))
    return f"Level {level} ({label}) or above in {competency_name(code)}, {FRAMEWORK}."


def alignment_name(code: str, level: int | None) -> str:
    if level is None:
        return competency_name(code)
    return f"{competency_name(code)}: level {level} ({LEVELS.get(level, level)})"


def alignments(items: Iterable[dict[str, Any]], urls: Urls) -> list[dict[str, Any]]:
    result = []
    for item in items:
        code = str(item.get("competency", ""))
        if not code:
            continue
        raw = item.get("level")
        level = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        result.append(
            {
                "targetName": alignment_name(code, level),
                "targetUrl": urls.framework(code),
                "targetDescription": alignment_description(code, level),
                "targetFramework": FRAMEWORK,
                "targetCode": code if level is None else f"{code}:{level}",
            }
        )
    return result


def issuer_json(info: IssuerInfo, urls: Urls) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": urls.issuer(),
        "name": info.name,
        "url": info.url,
        "email": info.email,
        "description": info.description,
        "revocationList": urls.revocation_list(),
    }


def badge_class_json(badge: Badge, urls: Urls) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": urls.badge_class(badge.slug),
        "name": badge.name,
        "description": badge.description,
        "image": urls.badge_image(badge.slug),
        "criteria": {
            "id": urls.badge_page(badge.slug),
            "narrative": plain_text(badge.criteria_html) or badge.description,
        },
        "issuer": urls.issuer(),
        "alignment": alignments(badge.alignments or [], urls),
        "tags": sorted({str(item.get("competency")) for item in badge.alignments or []} - {""}),
    }


def describe_evidence(evidence: dict[str, Any]) -> str:
    """A sentence saying what earned an award, from its ``evidence`` dict."""
    parts = []
    if "course" in evidence:
        parts.append(f"Completed the course {evidence.get('course_title') or evidence['course']}.")
    if isinstance(evidence.get("courses"), list):
        parts.append(f"Completed the courses {', '.join(map(str, evidence['courses']))}.")
    if evidence.get("competency") == "overall" and "level" in evidence:
        parts.append(f"Reached overall level {evidence['level']}.")
    elif "competency" in evidence and "level" in evidence:
        parts.append(
            f"Reached level {evidence['level']} in {competency_name(str(evidence['competency']))}."
        )
    elif "level" in evidence:
        parts.append(f"Reached overall level {evidence['level']}.")
    if evidence.get("baseline") == "done":
        parts.append("Took the baseline assessment.")
    if "weeks" in evidence:
        parts.append(f"Learned in {evidence['weeks']} different weeks.")
    if evidence.get("role") in {"manager", "executive"}:
        parts.append(f"Led by example as {'an' if evidence['role'] == 'executive' else 'a'} "
                     f"{evidence['role']}.")
    handled = {"course", "course_title", "courses", "competency", "level", "baseline", "weeks",
               "latest_week", "role"}
    for key, value in sorted(evidence.items()):
        if key not in handled and isinstance(value, str | int | float):
            parts.append(f"{key.replace('_', ' ').capitalize()}: {value}.")
    return " ".join(parts) or "Met the badge criteria."


def assertion_json(award: BadgeAward, urls: Urls) -> dict[str, Any]:
    """The hosted Assertion; a revoked one says so (``revoked`` and ``revocationReason``)."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award.public_id),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.recipient_salt,
            "identity": hashed_email(award.user.email, award.recipient_salt),
        },
        "badge": urls.badge_class(award.badge.slug),
        "verification": {"type": "hosted"},
        "issuedOn": iso(award.awarded_at),
        "image": urls.badge_image(award.badge.slug),
        "evidence": [
            {
                "type": "Evidence",
                "id": urls.verification_page(award.public_id),
                "narrative": describe_evidence(award.evidence or {}),
            }
        ],
    }
    if award.revoked_at is not None:
        document["revoked"] = True
        document["revocationReason"] = award.revocation_reason or "Revoked by the issuer."
    return document


def revocation_list_json(revoked: Iterable[tuple[str, str | None]], urls: Urls) -> dict[str, Any]:
    """``revoked``: (public id, reason) of every revoked award."""
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": urls.revocation_list(),
        "issuer": urls.issuer(),
        "revokedAssertions": [
            {
                "id": urls.assertion(public_id),
                "revocationReason": reason or "Revoked by the issuer.",
            }
            for public_id, reason in revoked
        ],
    }
