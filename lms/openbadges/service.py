"""Reading awards and certificates for Open Badges documents; signing and verifying credentials.

Only reads: nothing here writes to the database.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.courses.models import Course
from lms.database import DbSession
from lms.openbadges import keys, v2, v3
from lms.openbadges.baking import bake
from lms.openbadges.issuer import issuer_info
from lms.openbadges.urls import Urls
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import Badge, BadgeAward


def get_badge(session: DbSession, slug: str) -> Badge | None:
    return session.scalar(select(Badge).where(Badge.slug == slug))


def get_award(session: DbSession, public_id: str) -> BadgeAward | None:
    if len(public_id) > 36:
        return None
    return session.scalar(
        select(BadgeAward)
        .options(joinedload(BadgeAward.badge), joinedload(BadgeAward.user))
        .where(BadgeAward.public_id == public_id)
    )


def get_certificate(session: DbSession, public_id: str) -> Certificate | None:
    if len(public_id) > 36:
        return None
    return session.scalar(
        select(Certificate)
        .options(joinedload(Certificate.user), joinedload(Certificate.course))
        .where(Certificate.public_id == public_id)
    )


def revoked_awards(session: DbSession) -> list[tuple[str, str | None]]:
    rows = session.execute(
        select(BadgeAward.public_id, BadgeAward.revocation_reason)
        .where(BadgeAward.revoked_at.is_not(None))
        .order_by(BadgeAward.revoked_at, BadgeAward.id)
    )
    return [(public_id, reason) for public_id, reason in rows]


def credential_status(session: DbSession, public_id: str) -> v3.Status:
    """Known, revoked and why, for a badge award or a certificate with this public id."""
    if len(public_id) > 36:
        return v3.Status(known=False)
    row = session.execute(
        select(BadgeAward.revoked_at, BadgeAward.revocation_reason).where(
            BadgeAward.public_id == public_id
        )
    ).first()
    if row is not None:
        revoked_at, reason = row
        return v3.Status(known=True, revoked=revoked_at is not None, reason=reason)
    certificate = session.scalar(
        select(Certificate.id).where(Certificate.public_id == public_id)
    )
    return v3.Status(known=certificate is not None)


def baked_badge(award: BadgeAward) -> bytes:
    """The badge PNG with the award's hosted assertion JSON baked in."""
    assertion = v2.assertion_json(award, Urls())
    return bake(award.badge.image_png, json.dumps(assertion, separators=(",", ":")))


def award_credential(award: BadgeAward, now: datetime) -> str:
    """The award as a signed OpenBadgeCredential (VC-JWT)."""
    credential = v3.badge_credential(award, issuer_info(), Urls())
    return v3.sign(credential, keys.signing_key(), now)


def certificate_credential(session: DbSession, certificate: Certificate, now: datetime) -> str:
    slug = session.scalar(select(Course.slug).where(Course.id == certificate.course_id)) or ""
    credential = v3.certificate_credential(certificate, slug, issuer_info(), Urls())
    return v3.sign(credential, keys.signing_key(), now)


def verify_credential(session: DbSession, token: str, now: datetime) -> v3.Verification:
    """Verify a VC-JWT against this issuer's JWKS, profile id and records."""
    return v3.verify(
        token,
        keys.public_keyset(),
        issuer_id=Urls().profile_v3(),
        status=lambda public_id: credential_status(session, public_id),
        now=now,
    )
