"""Badges, awards, certificates and settings made directly in the database for recognition and
Open Badges tests (awarding by rules is tested with the rules themselves)."""

from __future__ import annotations

import secrets
import struct
import zlib
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.people.models import User, utcnow
from lms.recognition.certificates import issue_certificate
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import Badge, BadgeAward, RecognitionSettings


def tiny_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (30, 90, 200)) -> bytes:
    """A valid RGB PNG, written by hand (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


DEFAULT_ALIGNMENTS = [
    {"competency": "directing", "level": 2},
    {"competency": "evaluating", "level": 1},
]


def make_badge(
    app: Flask,
    slug: str = "prompt-pro",
    name: str = "Prompt Pro",
    alignments: list[dict[str, Any]] | None = None,
    criteria_html: str = "<p>Complete <strong>Prompting basics</strong>.</p>",
    criteria: dict[str, Any] | None = None,
) -> int:
    with app.app_context():
        badge = Badge(
            slug=slug,
            name=name,
            description=f"{name}: awarded for real, checked learning.",
            criteria_html=criteria_html,
            criteria=criteria or {"type": "course-completed", "course": "prompting-basics"},
            alignments=alignments if alignments is not None else DEFAULT_ALIGNMENTS,
            image_svg="<svg xmlns='http://www.w3.org/2000/svg'/>",
            image_png=tiny_png(),
            content_hash=secrets.token_hex(32),
        )
        db.session.add(badge)
        db.session.commit()
        badge_id: int = badge.id
        db.session.remove()
    return badge_id


def make_award(
    app: Flask,
    badge_id: int,
    user: User,
    *,
    awarded_at: datetime | None = None,
    evidence: dict[str, Any] | None = None,
) -> str:
    """Award directly; returns the award's public id."""
    with app.app_context():
        award = BadgeAward(
            badge_id=badge_id,
            user_id=user.id,
            awarded_at=awarded_at or utcnow() - timedelta(minutes=5),
            evidence=evidence if evidence is not None else {"course": "prompting-basics"},
            recipient_salt=secrets.token_hex(16),
        )
        db.session.add(award)
        db.session.commit()
        public_id: str = award.public_id
        db.session.remove()
    return public_id


def revoke_award(app: Flask, public_id: str, reason: str = "Awarded by mistake") -> None:
    with app.app_context():
        award = db.session.scalar(select(BadgeAward).where(BadgeAward.public_id == public_id))
        assert award is not None
        award.revoked_at = utcnow()
        award.revocation_reason = reason
        db.session.commit()
        db.session.remove()


def opt_in(app: Flask, user: User, *, wall: bool = True, profile: bool = True) -> None:
    with app.app_context():
        settings = db.session.get(RecognitionSettings, user.id)
        if settings is None:
            settings = RecognitionSettings(user_id=user.id)
            db.session.add(settings)
        settings.show_on_wall = wall
        settings.show_on_profile = profile
        db.session.commit()
        db.session.remove()


def complete_directly(
    app: Flask, user: User, slug: str, completed_at: datetime | None = None
) -> str:
    """Mark ``user``'s enrolment in a published course completed and issue the certificate."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        assert course is not None
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        )
        if enrolment is None:
            enrolment = Enrolment(user_id=user.id, course_id=course.id, source="self")
            db.session.add(enrolment)
        enrolment.completed_at = completed_at or utcnow() - timedelta(minutes=1)
        db.session.flush()
        certificate = issue_certificate(db.session, user.id, course.id)
        assert certificate is not None
        db.session.commit()
        public_id: str = certificate.public_id
        db.session.remove()
    return public_id


def certificate_for(app: Flask, user: User) -> list[Certificate]:
    with app.app_context():
        rows = list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)))
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows
