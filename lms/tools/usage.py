"""What leaders see of the reports: totals only, k-anonymous like the pulse.

People are counted once per tool (and once per job function) however many reports they sent.
A tool named by fewer than the minimum group (``LMS_PULSE_MIN_GROUP``, the pulse's setting) is
not shown, only how many such tools there are. Within a breakdown by job function, cells are
hidden with the pulse's complementary suppression (``lms.pulse.results.suppressed_keys``): small
groups, and then the smallest others until the hidden ones cannot be worked out from a total.
Three statements, whatever the number of reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS, User
from lms.pulse.results import suppressed_keys
from lms.tools.models import AiTool, ToolReport


@dataclass
class Group:
    """One group's figures; ``people`` and ``paying`` are None when the group is hidden."""

    label: str
    people: int | None
    paying: int | None = None


@dataclass
class ToolUsage:
    name: str
    people: int
    paying: int
    functions: list[Group] = field(default_factory=list)


@dataclass
class Usage:
    minimum: int
    people: int  # distinct people using unapproved tools (shown only when >= minimum)
    paying: int  # of them, those who pay for one themselves
    tools: list[ToolUsage]
    hidden_tools: int
    functions: list[Group]
    requests: list[Group]
    hidden_requests: int

    @property
    def shown(self) -> bool:
        return self.people >= self.minimum


def _people() -> ColumnElement[int]:
    return func.count(func.distinct(ToolReport.user_id))


def _paying() -> ColumnElement[int]:
    return func.count(func.distinct(case((ToolReport.pays != "nothing", ToolReport.user_id))))


def _unapproved_use() -> list[ColumnElement[bool]]:
    return [
        ToolReport.kind == "use",
        ToolReport.tool_key.not_in(select(AiTool.name_key)),
        User.active.is_(True),
    ]


def usage_summary(session: DbSession, minimum: int) -> Usage:
    by_tool = session.execute(
        select(ToolReport.tool_key, func.min(ToolReport.tool_name), User.job_function)
        .add_columns(_people(), _paying())
        .select_from(ToolReport)
        .join(User, User.id == ToolReport.user_id)
        .where(*_unapproved_use())
        .group_by(ToolReport.tool_key, User.job_function)
    ).all()
    by_function = session.execute(
        select(User.job_function, _people(), _paying())
        .select_from(ToolReport)
        .join(User, User.id == ToolReport.user_id)
        .where(*_unapproved_use())
        .group_by(User.job_function)
    ).all()
    requests = session.execute(
        select(ToolReport.tool_key, func.min(ToolReport.tool_name), _people())
        .select_from(ToolReport)
        .join(User, User.id == ToolReport.user_id)
        .where(ToolReport.kind == "request", User.active.is_(True))
        .group_by(ToolReport.tool_key)
    ).all()
    tools, hidden_tools = _tools(by_tool, minimum)
    shown_requests = [Group(name, people) for _, name, people in requests if people >= minimum]
    shown_requests.sort(key=lambda group: (-(group.people or 0), group.label.casefold()))
    return Usage(
        minimum=minimum,
        people=sum(people for _, people, _ in by_function),
        paying=sum(paying for _, _, paying in by_function),
        tools=tools,
        hidden_tools=hidden_tools,
        functions=_functions(by_function, minimum),
        requests=shown_requests,
        hidden_requests=len(requests) - len(shown_requests),
    )


def _tools(rows: Sequence[Any], minimum: int) -> tuple[list[ToolUsage], int]:
    names: dict[str, str] = {}
    per_function: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for key, name, function, people, paying in rows:
        names[key] = min(names.get(key, name), name)
        per_function[key][function] = (people, paying)
    shown: list[ToolUsage] = []
    for key, functions in per_function.items():
        people = sum(count for count, _ in functions.values())
        if people < minimum:
            continue
        counts = {function: count for function, (count, _) in functions.items()}
        hidden = suppressed_keys(counts, minimum)
        shown.append(
            ToolUsage(
                name=names[key],
                people=people,
                paying=sum(paying for _, paying in functions.values()),
                functions=[
                    Group(_label(function), None if function in hidden else count)
                    for function, count in sorted(counts.items(), key=_function_order)
                ],
            )
        )
    shown.sort(key=lambda tool: (-tool.people, tool.name.casefold()))
    return shown, len(per_function) - len(shown)


def _functions(rows: Sequence[Any], minimum: int) -> list[Group]:
    counts = {function: people for function, people, _ in rows}
    paying = {function: paid for function, _, paid in rows}
    hidden = suppressed_keys(counts, minimum)
    return [
        Group(_label(function), None, None)
        if function in hidden
        else Group(_label(function), count, paying[function])
        for function, count in sorted(counts.items(), key=_function_order)
    ]


def _label(function: str) -> str:
    return JOB_FUNCTIONS.get(function, function)


def _function_order(item: tuple[str, int]) -> int:
    order = list(JOB_FUNCTIONS)
    return order.index(item[0]) if item[0] in order else len(order)
