""" "Tell us what you use": reports and requests, their triage, and what the reporter sees.

A report is seen by the person who sent it and by the programme owners, nobody else (not their
manager, not executives: leaders see only the totals of lms.tools.usage). Each change of status
tells the reporter in the app. Services flush; views commit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.courses.placeholders import tool_key
from lms.database import DbSession
from lms.notifications.service import notify
from lms.people.models import User, utcnow
from lms.tools.models import AiTool, ToolReport
from lms.tools.vocabulary import STATUSES

PAGE_SIZE = 50
MY_REPORTS_LIMIT = 200


def report_path(report_id: int) -> str:
    return f"/tools/reports/{report_id}"


@dataclass
class ReportData:
    kind: str
    tool: AiTool | None  # picked from the register
    other_name: str  # typed, when not picked
    frequency: str
    pays: str
    reason: str


def submit_report(
    session: DbSession, user: User, data: ReportData, register: list[AiTool]
) -> ToolReport:
    """Store a report. A typed name that is a register tool's name counts as that tool."""
    tool = data.tool
    if tool is None:
        key = tool_key(data.other_name)
        tool = next((entry for entry in register if entry.name_key == key), None)
    name = tool.name if tool else " ".join(data.other_name.split())
    report = ToolReport(
        user_id=user.id,
        kind=data.kind,
        tool_id=tool.id if tool else None,
        tool_name=name,
        tool_key=tool_key(name),
        frequency=data.frequency,
        pays=data.pays,
        reason=data.reason,
        status="new",
        response="",
        covered_by_name="",
    )
    session.add(report)
    session.flush()
    return report


def my_reports(session: DbSession, user_id: int) -> list[ToolReport]:
    """The person's own reports, newest first (one statement)."""
    return list(
        session.scalars(
            select(ToolReport)
            .where(ToolReport.user_id == user_id)
            .order_by(ToolReport.created_at.desc(), ToolReport.id.desc())
            .limit(MY_REPORTS_LIMIT)
        )
    )


def get_report(session: DbSession, report_id: int) -> ToolReport | None:
    statement = select(ToolReport).options(joinedload(ToolReport.reporter))
    return session.scalar(statement.where(ToolReport.id == report_id))


@dataclass
class TriagePage:
    reports: list[ToolReport]
    counts: dict[str, int]  # status -> reports
    page: int
    pages: int


def triage_page(session: DbSession, status: str, page: int) -> TriagePage:
    """Reports with ``status`` (all when empty), open ones first then newest, a page at a time,
    with the count per status: two statements whatever the number of reports."""
    counts = {key: 0 for key in STATUSES}
    for key, count in session.execute(
        select(ToolReport.status, func.count()).group_by(ToolReport.status)
    ):
        counts[key] = count
    total = counts.get(status, 0) if status else sum(counts.values())
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    statement = select(ToolReport).options(joinedload(ToolReport.reporter))
    if status:
        statement = statement.where(ToolReport.status == status)
    still_open = ToolReport.status.in_(("new", "under-review"))
    statement = statement.order_by(
        still_open.desc(), ToolReport.created_at.desc(), ToolReport.id.desc()
    )
    reports = list(session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return TriagePage(reports, counts, page, pages)


def change_status(
    session: DbSession,
    report: ToolReport,
    status: str,
    response: str,
    covered_by: AiTool | None,
    by: User,
) -> bool:
    """Record the programme team's decision (validated by the form); tells the reporter in the
    app when the status or the answer changed. False when nothing changed."""
    covered_by_id = covered_by.id if covered_by and status == "covered" else None
    if (
        report.status == status
        and report.response == response
        and report.covered_by_id == covered_by_id
    ):
        return False
    report.status = status
    report.response = response
    report.covered_by_id = covered_by_id
    report.covered_by_name = covered_by.name if covered_by and covered_by_id else ""
    report.triaged_by_id = by.id
    report.updated_at = utcnow()
    session.flush()
    notify(
        session,
        report.user_id,
        "tool-report",
        f"Your {'request' if report.kind == 'request' else 'report'} about "
        f"“{report.tool_name}”: {outcome_words(report)}.",
        report_path(report.id),
    )
    return True


def outcome_words(report: ToolReport) -> str:
    """The status as the reporter reads it."""
    if report.status == "covered":
        if report.covered_by_name:
            return f"already covered by {report.covered_by_name}"
        return "already covered by an approved tool"
    return STATUSES.get(report.status, report.status).lower()
