"""Assigning courses and sending reminders. Services flush; the caller commits.

Assigning a course to a person:

- no enrolment yet: an enrolment with ``source="assigned"``, the manager and the due date;
- a voluntary enrolment in progress: kept (its date, progress and history stay), and marked
  assigned with the manager and the due date, so it now counts as an assignment;
- an assigned enrolment in progress: the due date (and manager) are updated;
- a completed enrolment: left as it is; the assignment is recorded as already complete.

One ``Assignment`` row per (person, course): assigning again updates the due date and the note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from lms.activity.service import record
from lms.assignments.models import Assignment, mirror_completions
from lms.courses.models import Course, CourseVersion
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.learn.status import Status, enrolment_status, module_counts
from lms.mail import Mail
from lms.notifications.service import notify
from lms.people.models import User, utcnow
from lms.people.org import subtree_cte

SCOPES = ("selected", "direct", "subtree")
PAGE_SIZE = 50


class OutsideScope(LookupError):
    """Someone named is not in the manager's subtree (the view answers 404)."""


def due_at_for(day: date) -> datetime:
    """An assignment due on a day is due by the end of that day (UTC)."""
    return datetime.combine(day, time(23, 59, 59))


def people_in_scope(
    session: DbSession,
    manager: User,
    scope: str,
    chosen_ids: Iterable[int] = (),
    chosen_emails: Iterable[str] = (),
) -> list[int]:
    """The ids to assign to: direct reports, the whole subtree, or the chosen people (all of whom
    must be active and in the manager's subtree; anyone else raises :class:`OutsideScope`)."""
    if scope == "direct":
        return list(
            session.scalars(
                select(User.id)
                .where(User.manager_id == manager.id, User.active.is_(True))
                .order_by(User.id)
            )
        )
    tree = subtree_cte(manager.id)
    if scope == "subtree":
        return list(
            session.scalars(
                select(User.id)
                .join(tree, tree.c.id == User.id)
                .where(User.active.is_(True))
                .order_by(User.id)
            )
        )
    ids = set(chosen_ids)
    emails = {email.strip().lower() for email in chosen_emails if email.strip()}
    if not ids and not emails:
        return []
    found = session.execute(
        select(User.id, User.email)
        .join(tree, tree.c.id == User.id)
        .where(
            User.active.is_(True),
            or_(User.id.in_(ids or {0}), User.email.in_(emails or {""})),
        )
    ).all()
    if not ids <= {row[0] for row in found} or not emails <= {row[1] for row in found}:
        raise OutsideScope("someone named is not in the manager's organisation")
    return sorted({row[0] for row in found})


@dataclass
class AssignResult:
    assigned: int = 0  # new assignments
    updated: int = 0  # existing assignments with a new due date or note
    already_complete: int = 0


def assign_course(
    session: DbSession,
    manager: User,
    course: Course,
    user_ids: list[int],
    due_on: date,
    note: str,
) -> AssignResult:
    """Assign ``course`` to ``user_ids`` (already checked to be in the manager's scope)."""
    now = utcnow()
    result = AssignResult()
    title = course.current_version.title if course.current_version else course.slug
    enrolments = {
        e.user_id: e
        for e in session.scalars(
            select(Enrolment).where(
                Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids)
            )
        )
    }
    assignments = {
        a.user_id: a
        for a in session.scalars(
            select(Assignment).where(
                Assignment.course_id == course.id, Assignment.user_id.in_(user_ids)
            )
        )
    }
    to_notify: list[int] = []
    for user_id in user_ids:
        enrolment = enrolments.get(user_id)
        if enrolment is None:
            enrolment = Enrolment(
                user_id=user_id,
                course_id=course.id,
                source="assigned",
                assigned_by_id=manager.id,
                due_at=due_at_for(due_on),
                enrolled_at=now,
            )
            session.add(enrolment)
            record(
                session,
                user_id,
                "enrolled",
                "course",
                course.slug,
                object_name=title,
                course_id=course.id,
                context={"source": "assigned", "assigned_by": manager.id},
                at=now,
            )
        elif enrolment.completed_at is None:
            enrolment.source = "assigned"
            enrolment.assigned_by_id = manager.id
            enrolment.due_at = due_at_for(due_on)
        assignment = assignments.get(user_id)
        completed_at = enrolment.completed_at
        if assignment is None:
            session.add(
                Assignment(
                    user_id=user_id,
                    course_id=course.id,
                    assigned_by_id=manager.id,
                    due_on=due_on,
                    note=note,
                    created_at=now,
                    updated_at=now,
                    completed_at=completed_at,
                )
            )
            result.assigned += 1
        else:
            assignment.assigned_by_id = manager.id
            assignment.due_on = due_on
            assignment.note = note
            assignment.updated_at = now
            assignment.completed_at = completed_at
            if completed_at is None and assignment.last_reminded_on is not None:
                assignment.last_reminded_on = None  # a new due date starts reminders afresh
            result.updated += 1
        if completed_at is not None:
            result.already_complete += 1
        else:
            to_notify.append(user_id)
    session.flush()
    text = f"{manager.name} assigned you “{title}”, due {due_on:%d %b %Y}."
    if note:
        text += f" Note: {note}"
    for user_id in to_notify:
        notify(session, user_id, "assignment", text, url=f"/courses/{course.slug}")
    return result


# ------------------------------------------------------------------------------------- listing


@dataclass
class AssignmentRow:
    id: int
    person_id: int
    person: str
    email: str
    course_slug: str
    course: str
    due_on: date
    note: str
    assigned_by: str | None
    created_at: datetime
    completed_at: datetime | None
    status: str  # done | overdue | open
    state: Status


@dataclass
class AssignmentPage:
    rows: list[AssignmentRow]
    total: int
    done: int
    overdue: int
    page: int
    pages: int


def assignments_for_manager(
    session: DbSession, manager: User, today: date, *, status: str = "", page: int = 1
) -> AssignmentPage:
    """Assignments of everyone in the manager's subtree, open ones (most urgent) first: two
    statements whatever the size of the subtree."""
    tree = subtree_cte(manager.id)
    in_scope = Assignment.user_id.in_(select(tree.c.id))
    # The enrolment is the source of truth for completion; the assignment's copy may lag.
    completed_at = func.coalesce(Assignment.completed_at, Enrolment.completed_at)
    enrolment_join = and_(
        Enrolment.user_id == Assignment.user_id, Enrolment.course_id == Assignment.course_id
    )
    overdue = and_(completed_at.is_(None), Assignment.due_on < today)
    counts = session.execute(
        select(
            func.count(Assignment.id),
            func.coalesce(func.sum(case((completed_at.is_not(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        )
        .select_from(Assignment)
        .outerjoin(Enrolment, enrolment_join)
        .where(in_scope)
    ).one()
    total, done, late = int(counts[0]), int(counts[1]), int(counts[2])
    filters: list[ColumnElement[bool]] = [in_scope]
    if status == "overdue":
        filters.append(overdue)
    elif status == "done":
        filters.append(completed_at.is_not(None))
    elif status == "open":
        filters.append(completed_at.is_(None))
    matching = {"overdue": late, "done": done, "open": total - done}.get(status, total)
    pages = max(1, -(-matching // PAGE_SIZE))
    page = min(max(page, 1), pages)
    assigner = aliased(User)
    modules_done, modules_total = module_counts()
    rows = session.execute(
        select(
            Assignment,
            completed_at,
            User.name,
            User.email,
            Course.slug,
            CourseVersion.title,
            assigner.name,
            modules_done,
            modules_total,
        )
        .join(User, User.id == Assignment.user_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(Enrolment, enrolment_join)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .outerjoin(assigner, assigner.id == Assignment.assigned_by_id)
        .where(*filters)
        .order_by(
            completed_at.is_not(None),
            Assignment.due_on,
            User.name,
            Assignment.id,
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return AssignmentPage(
        rows=[
            AssignmentRow(
                id=a.id,
                person_id=a.user_id,
                person=name,
                email=email,
                course_slug=slug,
                course=course_title or slug,
                due_on=a.due_on,
                note=a.note,
                assigned_by=by,
                created_at=a.created_at,
                completed_at=done_at,
                status="done" if done_at else ("overdue" if a.due_on < today else "open"),
                state=enrolment_status(
                    completed_at=done_at,
                    due_at=due_at_for(a.due_on),
                    now=datetime.combine(today, time()),
                    modules_done=int(m_done or 0),
                    modules_total=int(m_total or 0),
                ),
            )
            for a, done_at, name, email, slug, course_title, by, m_done, m_total in rows
        ],
        total=total,
        done=done,
        overdue=late,
        page=page,
        pages=pages,
    )


# ------------------------------------------------------------------------------------ reminders


@dataclass(frozen=True)
class Reminder:
    assignment_id: int
    user_id: int
    name: str
    email: str
    course_slug: str
    course_title: str
    due_on: date
    overdue: bool


def sync_completions(session: DbSession) -> int:
    """Copy completions from enrolments to open assignments (a safety net for completions made
    without the learning signal, e.g. rows written in bulk). One statement."""
    return mirror_completions(session)


def due_reminders(session: DbSession, today: date, within_days: int) -> list[Reminder]:
    """Every open assignment of an active person due within ``within_days`` days or overdue and
    not yet reminded today, most urgent first (one statement, after copying completions over).

    Nothing is claimed here: the caller claims and delivers each with :func:`claim_reminder`,
    one transaction per reminder, committed only once its email was handed over.
    """
    sync_completions(session)
    rows = session.execute(
        select(
            Assignment.id,
            Assignment.user_id,
            User.name,
            User.email,
            Course.slug,
            CourseVersion.title,
            Assignment.due_on,
        )
        .join(User, User.id == Assignment.user_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(
            Assignment.completed_at.is_(None),
            Assignment.due_on <= today + timedelta(days=within_days),
            _not_reminded(today),
            User.active.is_(True),
            Course.retired_at.is_(None),  # a retired course is nothing to do any more
        )
        .order_by(Assignment.due_on, Assignment.id)
    ).all()
    return [
        Reminder(assignment_id, user_id, name, email, slug, title or slug, due_on, due_on < today)
        for assignment_id, user_id, name, email, slug, title, due_on in rows
    ]


def claim_reminder(session: DbSession, reminder: Reminder, today: date) -> bool:
    """Claim one reminder for today and write its in-app notification (flush only).

    The claim is a conditional ``UPDATE ... SET last_reminded_on = today WHERE last_reminded_on IS
    NULL OR last_reminded_on < today``: False when another run claimed it first (even one that
    selected it at the same moment), so an assignment is reminded at most once a day. The row
    stays locked until the caller commits (after the email was handed over) or rolls back (the
    email failed: the next run tries again).
    """
    claimed = session.execute(
        update(Assignment)
        .where(
            Assignment.id == reminder.assignment_id,
            _not_reminded(today),
            Assignment.completed_at.is_(None),
        )
        .values(last_reminded_on=today)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    notify(
        session,
        reminder.user_id,
        "reminder",
        reminder_text(reminder),
        url=f"/courses/{reminder.course_slug}",
    )
    session.flush()
    return True


def _not_reminded(today: date) -> ColumnElement[bool]:
    return or_(Assignment.last_reminded_on.is_(None), Assignment.last_reminded_on < today)


def reminder_text(reminder: Reminder) -> str:
    if reminder.overdue:
        return f"“{reminder.course_title}” was due on {reminder.due_on:%d %b %Y} and is overdue."
    return f"Reminder: “{reminder.course_title}” is due on {reminder.due_on:%d %b %Y}."


def reminder_mail(reminder: Reminder, base_url: str) -> Mail:
    """The reminder email (the mailer makes the subject one clean line: titles are data)."""
    subject = (
        f"Overdue: {reminder.course_title}"
        if reminder.overdue
        else f"Due {reminder.due_on:%d %b}: {reminder.course_title}"
    )
    return Mail(to=reminder.email, subject=subject, body=reminder_email_body(reminder, base_url))


def reminder_email_body(reminder: Reminder, base_url: str) -> str:
    return (
        f"Hello {reminder.name},\n\n{reminder_text(reminder)}\n\n"
        f"Continue here: {base_url.rstrip('/')}/courses/{reminder.course_slug}\n\n"
        "You get this reminder because a course was assigned to you.\n"
    )
