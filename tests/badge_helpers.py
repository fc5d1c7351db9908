"""Writing, publishing and inspecting badges in tests (the same path the CLI takes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from sqlalchemy import select

from lms.courses.loader import read_folder
from lms.extensions import db
from lms.notifications.models import Notification
from lms.recognition.badges_format import parse_badges
from lms.recognition.models import Badge, BadgeAward
from lms.recognition.publish import publish_badges
from lms.recognition.service import award_due_badges

SIMPLE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
    "<title>{name}</title>"
    '<circle cx="50" cy="50" r="44" fill="{colour}"/>'
    "</svg>\n"
)


def badge_markdown(
    name: str,
    criteria: dict[str, Any],
    *,
    image: str,
    alignments: list[dict[str, Any]] | None = None,
    body: str = "Earned by doing the thing, as recorded by the app.",
) -> str:
    front: dict[str, Any] = {"name": name, "description": f"{name}: a test badge.", "image": image}
    if alignments:
        front["alignments"] = alignments
    front["criteria"] = criteria
    return "---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n\n" + body + "\n"


def write_badge(
    folder: Path,
    slug: str,
    criteria: dict[str, Any],
    *,
    name: str | None = None,
    colour: str = "#1565c0",
    **extra: Any,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    title = name or slug.replace("-", " ").capitalize()
    (folder / f"{slug}.md").write_text(
        badge_markdown(title, criteria, image=f"{slug}.svg", **extra), encoding="utf-8"
    )
    (folder / f"{slug}.svg").write_text(SIMPLE_SVG.format(name=title, colour=colour))


def publish_badge_folder(app: Flask, folder: Path, *, retire_missing: bool = False) -> list[str]:
    """Parse and publish every badge in ``folder``; returns "slug:state" per badge."""
    badges, problems = parse_badges(read_folder(folder), display_root="")
    assert problems == [], "\n".join(str(problem) for problem in problems)
    with app.app_context():
        results = publish_badges(db.session, badges, retire_missing=retire_missing)
        db.session.commit()
        states = [f"{result.badge.slug}:{result.state}" for result in results]
        db.session.remove()
    return states


def publish_badge(
    app: Flask, root: Path, slug: str, criteria: dict[str, Any], **extra: Any
) -> None:
    """Write and publish one badge (other published badges stay live)."""
    folder = root / f"badge-{slug}"
    write_badge(folder, slug, criteria, **extra)
    publish_badge_folder(app, folder)


def awarded(app: Flask, user_id: int, *, live_only: bool = True) -> list[str]:
    """Slugs of the person's awards (not revoked unless ``live_only`` is off), sorted."""
    with app.app_context():
        statement = (
            select(Badge.slug)
            .join(BadgeAward, BadgeAward.badge_id == Badge.id)
            .where(BadgeAward.user_id == user_id)
        )
        if live_only:
            statement = statement.where(BadgeAward.revoked_at.is_(None))
        slugs = sorted(db.session.scalars(statement))
        db.session.remove()
    return slugs


def evaluate_now(app: Flask, user_id: int) -> list[str]:
    """Run the rules for one person (as an event would) and commit; the new awards' slugs."""
    with app.app_context():
        awards = award_due_badges(db.session, user_id)
        slugs = sorted(award.badge.slug for award in awards)
        db.session.commit()
        db.session.remove()
    return slugs


def notifications_of(app: Flask, user_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = [
            (row.kind, row.text, row.url)
            for row in db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        ]
        db.session.remove()
    return rows
