"""The AI tools register, the organisation's AI settings, tool reports, the programme owners,
and which course texts name which placeholders (to re-render them when a value changes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, utcnow


class AiTool(db.Model):  # type: ignore[name-defined,misc]
    """One approved tool. ``data_<class>`` is allowed | ask-first | not-allowed for the data
    class (lms.tools.vocabulary.DATA_CLASSES)."""

    __tablename__ = "ai_tools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The name as compared (lms.courses.placeholders.tool_key): unique, what [[tool: ...]] and
    # reports are matched on.
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    purpose: Mapped[str] = mapped_column(String(300))
    data_public: Mapped[str] = mapped_column(String(12))
    data_internal: Mapped[str] = mapped_column(String(12))
    data_confidential: Mapped[str] = mapped_column(String(12))
    data_personal: Mapped[str] = mapped_column(String(12))
    access: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    licence: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    def allowance(self, data_class: str) -> str:
        return str(getattr(self, f"data_{data_class}"))


class ProgrammeSettings(db.Model):  # type: ignore[name-defined,misc]
    """The organisation's AI settings: one row (id 1). Empty text means "not filled in"."""

    __tablename__ = "ai_programme_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_url: Mapped[str] = mapped_column(String(500), default="")
    policy_title: Mapped[str] = mapped_column(String(120), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_channel: Mapped[str] = mapped_column(String(120), default="")
    data_card_markdown: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitized when saved, like course text: pages never render Markdown.
    data_card_html: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProgrammeOwner(db.Model):  # type: ignore[name-defined,misc]
    """Someone who runs the AI programme: keeps the register and settings, triages reports and
    sees the usage totals. Admins always can; admins name the others."""

    __tablename__ = "ai_programme_owners"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ToolReport(db.Model):  # type: ignore[name-defined,misc]
    """ "Tell us what you use": one person's report of a tool they use (``kind`` use) or ask
    for (request). Seen by the reporter and the programme owners only; leaders see totals."""

    __tablename__ = "ai_tool_reports"
    __table_args__ = (Index("ix_ai_tool_reports_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # The register's tool when picked from it (or typed with its name); the name is kept either
    # way, so a report outlives the tool's removal from the register.
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("ai_tools.id", ondelete="SET NULL"))
    tool_name: Mapped[str] = mapped_column(String(100))
    tool_key: Mapped[str] = mapped_column(String(100), index=True)
    frequency: Mapped[str] = mapped_column(String(12))
    pays: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(30), default="new")
    response: Mapped[str] = mapped_column(String(1000), default="")
    covered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("ai_tools.id", ondelete="SET NULL")
    )
    covered_by_name: Mapped[str] = mapped_column(String(100), default="")
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    reporter: Mapped[User] = relationship(foreign_keys=[user_id])


class PlaceholderTemplate(db.Model):  # type: ignore[name-defined,misc]
    """A published text that names placeholders, as rendered with them still in it: the lesson of
    a module version (``module_version_id``) or a version's overview (NULL). Its stored HTML is
    this with the values filled in, redone when a value it uses changes (lms.tools.content)."""

    __tablename__ = "course_placeholder_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    module_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", ondelete="CASCADE"), index=True
    )
    html: Mapped[str] = mapped_column(Text)

    uses: Mapped[list[PlaceholderUse]] = relationship(cascade="all, delete-orphan")


class PlaceholderUse(db.Model):  # type: ignore[name-defined,misc]
    """A template names this placeholder (key as lms.courses.placeholders.Placeholder.key)."""

    __tablename__ = "course_placeholder_uses"

    template_id: Mapped[int] = mapped_column(
        ForeignKey("course_placeholder_templates.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(120), primary_key=True)


Index("ix_course_placeholder_uses_key", PlaceholderUse.key)
