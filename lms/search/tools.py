"""The AI tools register in the search index: one document per tool (everyone may read the
register). The text says what the tool is for, how to get access and, per data class, whether
that data may go into it, so "customer data" or "confidential" finds the right tools."""

from __future__ import annotations

from sqlalchemy import select

from lms.database import DbSession
from lms.search.index import Document, put, remove
from lms.tools.models import AiTool
from lms.tools.vocabulary import ALLOWANCES, DATA_CLASSES


def _document(tool: AiTool) -> Document:
    rules = "; ".join(
        f"{label}: {ALLOWANCES.get(tool.allowance(key), tool.allowance(key)).lower()}"
        for key, label in DATA_CLASSES.items()
    )
    return Document(
        kind="tool",
        key=str(tool.id),
        title=tool.name,
        body=f"{tool.purpose} {tool.access} {rules}. {tool.notes}",
        endpoint="tools.tool",
        endpoint_args={"tool_id": tool.id},
        context="AI tools register",
    )


def index_tool(session: DbSession, tool_id: int) -> None:
    tool = session.get(AiTool, tool_id)
    if tool is None:
        remove(session, "tool", [str(tool_id)])
    else:
        put(session, _document(tool))


def index_all_tools(session: DbSession) -> int:
    remove(session, "tool")
    tools = list(session.scalars(select(AiTool).order_by(AiTool.id)))
    for tool in tools:
        put(session, _document(tool))
    return len(tools)
