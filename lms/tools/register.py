"""The AI tools register: reading, searching and keeping it. Services flush; views commit.

A change re-renders the live course text that names the register (``[[tools: approved]]``) or the
tool (``[[tool: Name]]``, under its old and its new name), through lms.tools.content.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms.courses.placeholders import tool_key
from lms.database import DbSession
from lms.people.models import User, utcnow
from lms.tools.content import rerender
from lms.tools.models import AiTool
from lms.tools.signals import tool_changed
from lms.tools.vocabulary import DATA_CLASSES


@dataclass
class ToolData:
    """A tool as the form gives it (already validated)."""

    name: str
    purpose: str
    allowances: dict[str, str]  # data class -> allowed | ask-first | not-allowed
    access: str
    owner_id: int | None
    licence: str
    notes: str


def search_tools(session: DbSession, query: str = "", allowed_for: str = "") -> list[AiTool]:
    """Tools whose name or purpose contains ``query`` (any case) and that take data of class
    ``allowed_for`` (when given), by name, with their owner: one statement."""
    statement = select(AiTool).options(joinedload(AiTool.owner)).order_by(AiTool.name_key)
    if query:
        statement = statement.where(
            or_(
                AiTool.name.icontains(query, autoescape=True),
                AiTool.purpose.icontains(query, autoescape=True),
            )
        )
    if allowed_for in DATA_CLASSES:
        statement = statement.where(getattr(AiTool, f"data_{allowed_for}") == "allowed")
    return list(session.scalars(statement))


def get_tool(session: DbSession, tool_id: int) -> AiTool | None:
    return session.scalar(
        select(AiTool).options(joinedload(AiTool.owner)).where(AiTool.id == tool_id)
    )


def all_tools(session: DbSession) -> list[AiTool]:
    return list(session.scalars(select(AiTool).order_by(AiTool.name_key)))


def name_taken(session: DbSession, name: str, except_id: int | None = None) -> bool:
    statement = select(AiTool.id).where(AiTool.name_key == tool_key(name))
    if except_id is not None:
        statement = statement.where(AiTool.id != except_id)
    return session.scalar(statement) is not None


def save_tool(session: DbSession, tool: AiTool | None, data: ToolData, by: User) -> AiTool:
    """Add a tool (``tool`` None) or change one; re-renders course text that names it."""
    keys = {"tools:approved", f"tool:{tool_key(data.name)}"}
    if tool is None:
        tool = AiTool()
        session.add(tool)
    else:
        keys.add(f"tool:{tool.name_key}")
    tool.name = " ".join(data.name.split())
    tool.name_key = tool_key(data.name)
    tool.purpose = data.purpose
    for data_class in DATA_CLASSES:
        setattr(tool, f"data_{data_class}", data.allowances[data_class])
    tool.access = data.access
    tool.owner_id = data.owner_id
    tool.licence = data.licence
    tool.notes = data.notes
    tool.updated_at = utcnow()
    tool.updated_by_id = by.id
    session.flush()
    rerender(session, keys)
    tool_changed.send(session, tool_id=tool.id)
    return tool


def delete_tool(session: DbSession, tool: AiTool) -> None:
    """Take a tool off the register. Reports keep its name; course text naming it falls back to
    the neutral sentence."""
    keys = {"tools:approved", f"tool:{tool.name_key}"}
    tool_id = tool.id
    session.delete(tool)
    session.flush()
    rerender(session, keys)
    tool_changed.send(session, tool_id=tool_id)
