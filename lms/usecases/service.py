"""Sharing, reviewing, trying and reporting use cases. Services flush; views commit.

Free text is Markdown, rendered and sanitized when saved with the course renderer
(lms.courses.render.render_markdown: nh3), so pages show stored HTML and a script in a prompt is
inert text. Publishing, a change while published and removal send ``use_case_changed`` (the
search index follows in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from lms.activity.service import record
from lms.courses.render import render_markdown
from lms.database import DbSession
from lms.notifications.service import notify
from lms.people.models import User, utcnow
from lms.recognition.service import award_due_badges
from lms.tools.models import AiTool
from lms.usecases.models import UseCase, UseCaseArea, UseCaseReport, UseCaseTry
from lms.usecases.signals import use_case_changed
from lms.usecases.vocabulary import ALLOWED_FROM, EDITABLE, STATUSES

OBJECT_TYPE = "use-case"


def case_path(case_id: int) -> str:
    return f"/use-cases/{case_id}"


@dataclass
class CaseData:
    title: str
    task: str
    tool: AiTool | None  # picked from the register
    other_tool: str  # typed, when not picked
    steps: str
    checks: str
    risks: str
    minutes_saved: int | None
    job_function: str
    areas: list[str]
    show_name: bool


def _html(text: str) -> str:
    return render_markdown(text) if text else ""


def save_case(
    session: DbSession, case: UseCase | None, author: User, data: CaseData, *, submit: bool
) -> UseCase:
    """Create or edit a case (RenderError when a text cannot be rendered: nothing is written
    then, since rendering comes first). ``submit`` sends it for review."""
    rendered = [_html(text) for text in (data.task, data.steps, data.checks, data.risks)]
    if case is None:
        case = UseCase(author_id=author.id, status="draft", review_note="")
        session.add(case)
    case.title = " ".join(data.title.split())
    case.task, case.steps, case.checks, case.risks = data.task, data.steps, data.checks, data.risks
    case.task_html, case.steps_html, case.checks_html, case.risks_html = rendered
    case.tool_id = data.tool.id if data.tool else None
    case.tool_name = data.tool.name if data.tool else " ".join(data.other_tool.split())
    case.minutes_saved = data.minutes_saved
    case.job_function = data.job_function
    case.show_name = data.show_name
    case.area_rows = [UseCaseArea(area=area) for area in dict.fromkeys(data.areas)]
    case.updated_at = utcnow()
    session.flush()
    if submit:
        submit_case(session, case, author)
    return case


def submit_case(session: DbSession, case: UseCase, author: User) -> None:
    """Send a draft (or a case with changes requested) for review. The first submission is the
    author's contribution: an activity event ("shared")."""
    if case.status not in EDITABLE:
        return
    first = case.submitted_at is None
    case.status = "submitted"
    case.submitted_at = utcnow()
    session.flush()
    if first:
        record(
            session,
            author.id,
            "shared",
            OBJECT_TYPE,
            str(case.id),
            object_name=case.title,
            context={"function": case.job_function},
        )


def review(session: DbSession, case: UseCase, decision: str, note: str, by: User) -> bool:
    """A reviewer's decision (validated by the form). False when it is not possible from the
    case's status. Tells the author; publication and removal update the search index and the
    author's badges; removal closes the open reports."""
    if case.status not in ALLOWED_FROM.get(decision, ()):
        return False
    now = utcnow()
    case.status = decision
    case.review_note = note
    case.reviewed_by_id = by.id
    case.reviewed_at = now
    if decision == "published":
        case.published_at = now
    session.flush()
    if decision == "removed":
        resolve_reports(session, case, by)
    if decision in {"published", "removed"}:
        use_case_changed.send(session, use_case_id=case.id)
    notify(
        session,
        case.author_id,
        "use-case",
        f"Your use case “{case.title}”: {STATUSES[decision].lower()}.",
        case_path(case.id),
    )
    if decision == "published":
        award_due_badges(session, case.author_id)
    return True


def mark_tried(session: DbSession, case: UseCase, user: User, minutes: int | None) -> bool:
    """ "I tried this", once per person: False when they already had (a double POST's second
    request finds the first one's row, or loses the unique constraint and retries)."""
    already = session.scalar(
        select(UseCaseTry.id).where(
            UseCaseTry.use_case_id == case.id, UseCaseTry.user_id == user.id
        )
    )
    if already is not None:
        return False
    session.add(UseCaseTry(use_case_id=case.id, user_id=user.id, minutes_saved=minutes))
    session.flush()
    record(
        session,
        user.id,
        "tried",
        OBJECT_TYPE,
        str(case.id),
        object_name=case.title,
        result={"minutes_saved": minutes} if minutes else None,
    )
    award_due_badges(session, user.id)
    return True


def report_case(session: DbSession, case: UseCase, user: User, reason: str) -> bool:
    """ "Report for removal": False when the person's earlier report is still open."""
    found = session.scalar(
        select(UseCaseReport).where(
            UseCaseReport.use_case_id == case.id, UseCaseReport.user_id == user.id
        )
    )
    if found is not None and found.resolved_at is None:
        return False
    if found is None:
        found = UseCaseReport(use_case_id=case.id, user_id=user.id)
        session.add(found)
    found.reason = reason
    found.created_at = utcnow()
    found.resolved_at = None
    found.resolved_by_id = None
    session.flush()
    return True


def resolve_reports(session: DbSession, case: UseCase, by: User) -> None:
    """Close the case's open reports (removed, or kept after a look)."""
    session.execute(
        update(UseCaseReport)
        .where(UseCaseReport.use_case_id == case.id, UseCaseReport.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=by.id)
        .execution_options(synchronize_session=False)
    )
