"""Open Badges 3.0: ``OpenBadgeCredential`` documents, signed and verified as VC-JWTs.

A credential follows the W3C Verifiable Credentials data model 2.0 with the Open Badges 3.0
context. It is secured as a compact JWS (``alg`` ES256, ``kid`` naming a key in the issuer's
public JWKS, ``typ`` ``vc+jwt``) whose payload is the credential itself plus the JWT claims a
JWT verifier expects (``iss``, ``jti``, ``nbf``, ``iat`` and ``exp`` when it expires).

:func:`verify` accepts only ES256 (so ``alg: none``, HMAC with the public key and the like fail
before any signature is looked at), only keys in the JWKS, and then checks the issuer, the
validity period and the revocation status.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from lms.openbadges.issuer import IssuerInfo
from lms.openbadges.keys import ALGORITHM, IssuerKey
from lms.openbadges.urls import Urls
from lms.openbadges.v2 import alignments as v2_alignments
from lms.openbadges.v2 import describe_evidence, hashed_email, iso, plain_text
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import Badge, BadgeAward

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_TYPE = "1EdTechRevocationList"
JWT_TYPE = "vc+jwt"
MEDIA_TYPE = "application/vc+jwt"
# Clocks differ a little between machines.
LEEWAY = timedelta(seconds=60)


def urn(public_id: str) -> str:
    return f"urn:uuid:{public_id}"


def public_id_from(credential_id: str) -> str | None:
    if credential_id.startswith("urn:uuid:"):
        return credential_id[len("urn:uuid:") :]
    return None


def profile_json(info: IssuerInfo, urls: Urls) -> dict[str, Any]:
    """The issuer ``Profile`` (served at its id)."""
    return {
        "@context": CONTEXTS,
        "id": urls.profile_v3(),
        "type": ["Profile"],
        "name": info.name,
        "url": info.url,
        "email": info.email,
        "description": info.description,
    }


def _issuer(info: IssuerInfo, urls: Urls) -> dict[str, Any]:
    return {"id": urls.profile_v3(), "type": ["Profile"], "name": info.name, "url": info.url}


def alignments(items: list[dict[str, Any]], urls: Urls) -> list[dict[str, Any]]:
    """The 2.0 alignments, typed as 3.0 ``Alignment`` objects (same fields otherwise)."""
    return [{"type": ["Alignment"], **item} for item in v2_alignments(items, urls)]


def achievement_json(badge: Badge, info: IssuerInfo, urls: Urls) -> dict[str, Any]:
    return {
        "id": urls.achievement(badge.slug),
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": badge.name,
        "description": badge.description,
        "criteria": {
            "id": urls.badge_page(badge.slug),
            "narrative": plain_text(badge.criteria_html) or badge.description,
        },
        "image": {"id": urls.badge_image(badge.slug), "type": "Image", "caption": badge.name},
        "alignment": alignments(list(badge.alignments or []), urls),
        "creator": _issuer(info, urls),
    }


def course_achievement_json(
    slug: str, title: str, summary: str, competencies: list[str], urls: Urls, info: IssuerInfo
) -> dict[str, Any]:
    return {
        "id": urls.course_achievement(slug),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": title,
        "description": summary or f"Completed the course {title}.",
        "criteria": {"narrative": f"Complete every module of {title} (and its quiz, if any)."},
        "alignment": alignments([{"competency": code} for code in competencies], urls),
        "creator": _issuer(info, urls),
    }


def _subject(email: str, salt: str, achievement: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": hashed_email(email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }


def _credential(
    public_id: str,
    name: str,
    valid_from: datetime,
    subject: dict[str, Any],
    evidence: list[dict[str, Any]],
    info: IssuerInfo,
    urls: Urls,
    valid_until: datetime | None,
    status: bool,
) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": CONTEXTS,
        "id": urn(public_id),
        "type": list(CREDENTIAL_TYPES),
        "name": name,
        "issuer": _issuer(info, urls),
        "validFrom": iso(valid_from),
        "credentialSubject": subject,
        "evidence": evidence,
    }
    if valid_until is not None:
        credential["validUntil"] = iso(valid_until)
    if status:
        credential["credentialStatus"] = {
            "id": urls.revocations_v3() + "#" + public_id,
            "type": STATUS_TYPE,
        }
    return credential


def badge_credential(
    award: BadgeAward, info: IssuerInfo, urls: Urls, *, valid_until: datetime | None = None
) -> dict[str, Any]:
    achievement = achievement_json(award.badge, info, urls)
    return _credential(
        award.public_id,
        award.badge.name,
        award.awarded_at,
        _subject(award.user.email, award.recipient_salt, achievement),
        [
            {
                "id": urls.verification_page(award.public_id),
                "type": ["Evidence"],
                "narrative": describe_evidence(award.evidence or {}),
            }
        ],
        info,
        urls,
        valid_until,
        status=True,
    )


def certificate_credential(
    certificate: Certificate,
    course_slug: str,
    info: IssuerInfo,
    urls: Urls,
    *,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    achievement = course_achievement_json(
        course_slug,
        certificate.course_title,
        certificate.course_summary,
        sorted(certificate.levels),
        urls,
        info,
    )
    return _credential(
        certificate.public_id,
        f"Certificate: {certificate.course_title}",
        certificate.completed_at,
        _subject(certificate.user.email, certificate.recipient_salt, achievement),
        [
            {
                "id": urls.certificate_verification(certificate.public_id),
                "type": ["Evidence"],
                "narrative": f"Completed the course {certificate.course_title}.",
            }
        ],
        info,
        urls,
        valid_until,
        status=True,
    )


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def sign(credential: dict[str, Any], key: IssuerKey, now: datetime) -> str:
    """The credential as a compact JWS (VC-JWT) signed with ``key``."""
    claims = dict(credential)
    claims["iss"] = credential["issuer"]["id"]
    claims["jti"] = credential["id"]
    claims["nbf"] = _epoch(_parse_time(credential["validFrom"]) or now)
    claims["iat"] = _epoch(now)
    valid_until = _parse_time(credential.get("validUntil"))
    if valid_until is not None:
        claims["exp"] = _epoch(valid_until)
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": JWT_TYPE}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return jws.serialize_compact(header, payload, key.private_key, algorithms=[ALGORITHM])


# ---------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Status:
    """What the issuer's records say about a credential id."""

    known: bool
    revoked: bool = False
    reason: str | None = None


StatusLookup = Callable[[str], Status]


@dataclass
class Verification:
    valid: bool
    reason: str
    id: str | None = None
    kid: str | None = None
    issuer: str | None = None
    name: str | None = None
    achievement_type: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    revoked: bool = False
    revocation_reason: str | None = None
    checks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:  # may leave datetime's range (year 1 or 9999 with an offset)
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment


def _text(value: Any) -> str | None:
    """Only strings are echoed back in a verification result."""
    return value if isinstance(value, str) else None


def _numeric_date(value: Any) -> datetime | None:
    """A JWT NumericDate (seconds since the epoch) as naive UTC; None if not one datetime holds
    (a bool, NaN, infinity, or beyond year 9999)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def verify(
    token: str, keyset: KeySet, *, issuer_id: str, status: StatusLookup, now: datetime
) -> Verification:
    """Check a VC-JWT: algorithm, key, signature, shape, issuer, validity period, revocation."""
    result = Verification(valid=False, reason="")

    def fail(reason: str) -> Verification:
        result.reason = reason
        return result

    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return fail("Not a compact JWS (expected header.payload.signature).")
    try:
        header = json.loads(_b64decode(parts[0]))
    except (ValueError, binascii.Error, RecursionError):  # RecursionError: absurdly deep nesting
        return fail("The JOSE header is not base64url-encoded JSON.")
    if not isinstance(header, dict):
        return fail("The JOSE header is not a JSON object.")
    algorithm = header.get("alg")
    if algorithm != ALGORITHM:
        # Only a short string is echoed: a hostile header can hold anything, nested or huge.
        shown = repr(algorithm[:20]) if isinstance(algorithm, str) else "of this kind"
        return fail(f"Algorithm {shown} is not accepted: credentials are signed with ES256.")
    result.checks.append("algorithm")
    kid = header.get("kid")
    result.kid = kid if isinstance(kid, str) else None
    known_kids = {key.kid for key in keyset.keys}
    if not isinstance(kid, str) or kid not in known_kids:
        return fail("The signing key (kid) is not in the issuer's JWKS.")
    if "crit" in header:  # RFC 7515: extensions the verifier does not know must be refused
        return fail("The JOSE header has critical extensions this issuer does not use.")
    try:
        signed = jws.deserialize_compact(token, keyset, algorithms=[ALGORITHM])
    except JoseError as error:
        if error.error in {"bad_signature"}:
            return fail("The signature does not verify with the issuer's key.")
        return fail(f"The JWS could not be verified ({error.error}).")
    except (ValueError, TypeError, binascii.Error, RecursionError):
        # joserfc trusts the header's shape (e.g. a "crit" that is not a list): a hostile header
        # must still be a refusal, not a server error.
        return fail("The JWS is malformed.")
    result.checks.append("signature")
    try:
        claims = json.loads(signed.payload)
    except (ValueError, RecursionError):
        return fail("The payload is not JSON.")
    if not isinstance(claims, dict):
        return fail("The payload is not a JSON object.")

    result.id = claims.get("id") if isinstance(claims.get("id"), str) else None
    result.name = claims.get("name") if isinstance(claims.get("name"), str) else None
    types = _types(claims.get("type"))
    contexts = _types(claims.get("@context"))
    if not contexts or contexts[0] != VC_CONTEXT or OB_CONTEXT not in contexts:
        return fail("The @context is not the VC 2.0 and Open Badges 3.0 context.")
    if not set(CREDENTIAL_TYPES) <= set(types):
        return fail("Not an OpenBadgeCredential.")
    subject = claims.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict):
        return fail("The credential has no achievement.")
    result.achievement_type = _text(achievement.get("achievementType"))
    result.checks.append("shape")

    issuer = claims.get("issuer")
    issuer_value = issuer.get("id") if isinstance(issuer, dict) else issuer
    result.issuer = issuer_value if isinstance(issuer_value, str) else None
    if result.issuer != issuer_id or claims.get("iss", issuer_id) != issuer_id:
        return fail(f"The credential was not issued by this issuer ({issuer_id}).")
    result.checks.append("issuer")

    valid_from = _parse_time(claims.get("validFrom"))
    if valid_from is None:
        return fail("validFrom is missing or not a date-time.")
    result.valid_from = _text(claims.get("validFrom"))
    result.valid_until = _text(claims.get("validUntil"))
    not_before = [valid_from]
    expiries = []
    if "nbf" in claims:
        nbf = _numeric_date(claims["nbf"])
        if nbf is None:
            return fail("nbf is not a NumericDate.")
        not_before.append(nbf)
    if "validUntil" in claims:
        valid_until = _parse_time(claims["validUntil"])
        if valid_until is None:
            return fail("validUntil is not a date-time.")
        expiries.append(valid_until)
    if "exp" in claims:
        exp = _numeric_date(claims["exp"])
        if exp is None:
            return fail("exp is not a NumericDate.")
        expiries.append(exp)
    if max(not_before) > now + LEEWAY:
        return fail("The credential is not valid yet.")
    if expiries and min(expiries) <= now - LEEWAY:
        return fail("The credential has expired.")
    result.checks.append("validity period")

    public_id = public_id_from(result.id or "")
    if public_id is None or claims.get("jti", result.id) != result.id:
        return fail("The credential id is not one this issuer assigns.")
    found = status(public_id)
    if not found.known:
        return fail("The issuer has no record of this credential.")
    if found.revoked:
        result.revoked = True
        result.revocation_reason = found.reason
        return fail(f"The credential was revoked: {found.reason or 'no reason given'}.")
    result.checks.append("revocation")
    result.valid = True
    result.reason = "The credential is valid."
    return result
