"""Progress per course and due date on the manager's assignments list, and the manager's
"Remind those not done" for one of them. Services flush; the caller commits.

People assigned the same course with the same due date form one group (assigning a course to a
team in one go gives one group; a sub-manager who assigns it with the same date joins it). Each
group counts its people in the words of :mod:`lms.learn.status` (Completed, In progress, Not
started, Overdue), worked out in SQL with the same rules as :func:`enrolment_status`: one
statement for a page of groups whatever their number and size. People who have left (deactivated)
are not counted and never reminded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Subquery, and_, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from lms.assignments.models import Assignment, AssignmentReminder
from lms.assignments.service import Reminder, reminder_mail
from lms.courses.models import Course, CourseVersion
from lms.database import DbSession, begin_outer_transaction
from lms.learn.models import Enrolment
from lms.learn.status import module_counts
from lms.mail import Mail
from lms.notifications.service import notify
from lms.people.models import User
from lms.people.org import subtree_cte

GROUPS_PAGE_SIZE = 20
# The status keys of lms.learn.status, in the order the bar draws them, with their words.
STATES = (
    ("completed", "Completed"),
    ("in-progress", "In progress"),
    ("not-started", "Not started"),
    ("overdue", "Overdue"),
)
BAR_STEPS = 20  # bar segments are multiples of 5 % wide: one CSS class each (insights.css)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    count: int
    width: int  # percent of the bar, a multiple of 100 / BAR_STEPS


@dataclass(frozen=True)
class GroupProgress:
    course_slug: str
    course: str
    due_on: date
    people: int
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    last_reminded: datetime | None  # this manager's latest "Remind those not done"

    @property
    def not_done(self) -> int:
        return self.people - self.completed

    def reminded_on(self, today: date) -> bool:
        return self.last_reminded is not None and self.last_reminded.date() == today

    @property
    def segments(self) -> list[Segment]:
        counts = [self.completed, self.in_progress, self.not_started, self.overdue]
        widths = bar_widths(counts)
        return [
            Segment(key, label, count, width)
            for (key, label), count, width in zip(STATES, counts, widths, strict=True)
        ]


@dataclass(frozen=True)
class GroupPage:
    groups: list[GroupProgress]
    total: int  # groups in all
    page: int
    pages: int


def bar_widths(counts: Sequence[int]) -> list[int]:
    """Each count's share of the bar in percent, in steps of 100 / BAR_STEPS that add up to 100
    (largest remainders first), so the segments always fill the bar exactly."""
    total = sum(counts)
    if not total:
        return [0 for _ in counts]
    exact = [count * BAR_STEPS / total for count in counts]
    steps = [int(share) for share in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: (steps[i] - exact[i], i))
    for index in by_remainder[: BAR_STEPS - sum(steps)]:
        steps[index] += 1
    return [step * 100 // BAR_STEPS for step in steps]


def _status_key(completed_at: ColumnElement[datetime], today: date) -> ColumnElement[str]:
    """:func:`lms.learn.status.enrolment_status`'s key in SQL (an assignment due on a day is
    overdue from the next day on, as on the list below it)."""
    modules_done, _ = module_counts()
    return case(
        (completed_at.is_not(None), "completed"),
        (Assignment.due_on < today, "overdue"),
        (modules_done > 0, "in-progress"),
        else_="not-started",
    )


def _groups(manager_id: int, today: date) -> Subquery:
    """One row per course and due date in the manager's subtree, with its people per status."""
    tree = subtree_cte(manager_id)
    completed_at = func.coalesce(Assignment.completed_at, Enrolment.completed_at)
    states = (
        select(
            Assignment.course_id,
            Assignment.due_on,
            _status_key(completed_at, today).label("state"),
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.user_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.user_id == Assignment.user_id,
                Enrolment.course_id == Assignment.course_id,
            ),
        )
        .where(Assignment.user_id.in_(select(tree.c.id)), User.active.is_(True))
        .subquery("states")
    )

    def count(key: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((states.c.state == key, 1), else_=0)), 0)

    return (
        select(
            states.c.course_id,
            states.c.due_on,
            func.count().label("people"),
            *(count(key).label(key.replace("-", "_")) for key, _ in STATES),
        )
        .group_by(states.c.course_id, states.c.due_on)
        .subquery("groups")
    )


def group_progress(session: DbSession, manager_id: int, today: date, page: int = 1) -> GroupPage:
    """A page of groups, those with people still to finish first, soonest due first: one
    statement (the number of groups comes with the rows)."""
    groups = _groups(manager_id, today)
    last = (
        select(
            AssignmentReminder.course_id,
            AssignmentReminder.due_on,
            func.max(AssignmentReminder.sent_at).label("sent_at"),
        )
        .where(AssignmentReminder.manager_id == manager_id)
        .group_by(AssignmentReminder.course_id, AssignmentReminder.due_on)
        .subquery("last_reminders")
    )
    query = (
        select(
            groups,
            Course.slug,
            CourseVersion.title,
            last.c.sent_at,
            func.count().over().label("groups_total"),
        )
        .join(Course, Course.id == groups.c.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .outerjoin(
            last, and_(last.c.course_id == groups.c.course_id, last.c.due_on == groups.c.due_on)
        )
        .order_by(
            case((groups.c.completed < groups.c.people, 0), else_=1),
            groups.c.due_on,
            CourseVersion.title,
            groups.c.course_id,
        )
        .limit(GROUPS_PAGE_SIZE)
    )
    page = max(page, 1)
    rows = session.execute(query.offset((page - 1) * GROUPS_PAGE_SIZE)).all()
    if not rows and page > 1:  # a page past the end (a typed address): the first one instead
        page, rows = 1, session.execute(query).all()
    total = int(rows[0].groups_total) if rows else 0
    return GroupPage(
        groups=[
            GroupProgress(
                course_slug=row.slug,
                course=row.title or row.slug,
                due_on=row.due_on,
                people=int(row.people),
                completed=int(row.completed),
                in_progress=int(row.in_progress),
                not_started=int(row.not_started),
                overdue=int(row.overdue),
                last_reminded=row.sent_at,
            )
            for row in rows
        ],
        total=total,
        page=page,
        pages=max(1, -(-total // GROUPS_PAGE_SIZE)),
    )


# ------------------------------------------------------------------ "Remind those not done"


class GroupNotFound(LookupError):
    """No one in the manager's subtree has this course due on this day (the view: 404)."""


@dataclass
class GroupReminder:
    course: str
    mails: list[Mail]  # one per person reminded, for the caller to send
    already_today: bool = False  # this manager reminded this group today: nothing written
    everyone_done: bool = False  # nobody left to remind: nothing written

    @property
    def reminded(self) -> int:
        return len(self.mails)


def remind_group(
    session: DbSession, manager: User, course_slug: str, due_on: date, now: datetime, base_url: str
) -> GroupReminder:
    """Remind the active people in the manager's subtree who were assigned ``course_slug`` due on
    ``due_on`` and have not completed it: an in-app notification each, written here, and the
    emails returned. At most once a day per manager and group (recorded, with the head count);
    :class:`GroupNotFound` if nobody in the subtree has that assignment."""
    today = now.date()
    group = _group_members(session, manager.id, course_slug, due_on, today)
    if group is None:
        raise GroupNotFound(course_slug)
    result = GroupReminder(course=group.title, mails=[])
    if not group.pending:
        result.everyone_done = True
        return result
    if not _claim(session, manager.id, group.course_id, due_on, now, len(group.pending)):
        result.already_today = True
        return result
    for reminder in group.pending:
        notify(
            session,
            reminder.user_id,
            "reminder",
            group_reminder_text(manager.name, reminder),
            url=f"/courses/{reminder.course_slug}",
        )
        result.mails.append(group_reminder_mail(manager.name, reminder, base_url))
    # The daily reminder run skips them today: one reminder a day per assignment is enough.
    session.execute(
        update(Assignment)
        .where(Assignment.id.in_([reminder.assignment_id for reminder in group.pending]))
        .values(last_reminded_on=today)
        .execution_options(synchronize_session=False)
    )
    return result


@dataclass(frozen=True)
class _Members:
    course_id: int
    title: str
    pending: list[Reminder]  # those who have not completed the course


def _group_members(
    session: DbSession, manager_id: int, course_slug: str, due_on: date, today: date
) -> _Members | None:
    """The group's active people in the manager's subtree (one statement); ``None`` if none."""
    tree = subtree_cte(manager_id)
    completed_at = func.coalesce(Assignment.completed_at, Enrolment.completed_at)
    rows = session.execute(
        select(
            Assignment.id,
            Assignment.user_id,
            User.name,
            User.email,
            Course.id.label("course_id"),
            CourseVersion.title,
            completed_at.label("completed_at"),
        )
        .join(User, User.id == Assignment.user_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.user_id == Assignment.user_id,
                Enrolment.course_id == Assignment.course_id,
            ),
        )
        .where(
            Course.slug == course_slug,
            Course.retired_at.is_(None),  # a retired course is not reminded of (lms.authoring)
            Assignment.due_on == due_on,
            Assignment.user_id.in_(select(tree.c.id)),
            User.active.is_(True),
        )
        .order_by(User.name, Assignment.id)
    ).all()
    if not rows:
        return None
    title = rows[0].title or course_slug
    pending = [
        Reminder(
            row.id, row.user_id, row.name, row.email, course_slug, title, due_on, due_on < today
        )
        for row in rows
        if row.completed_at is None
    ]
    return _Members(rows[0].course_id, title, pending)


def _claim(
    session: DbSession, manager_id: int, course_id: int, due_on: date, now: datetime, people: int
) -> bool:
    """Record today's reminder of the group; False when this manager already sent it today."""
    today = now.date()
    sent = exists().where(
        AssignmentReminder.manager_id == manager_id,
        AssignmentReminder.course_id == course_id,
        AssignmentReminder.due_on == due_on,
        AssignmentReminder.sent_on == today,
    )
    if session.scalar(select(sent)):
        return False
    begin_outer_transaction(session)  # else on SQLite the savepoint's release would commit
    try:
        with session.begin_nested():  # the unique key settles two clicks at the same moment
            session.add(
                AssignmentReminder(
                    manager_id=manager_id,
                    course_id=course_id,
                    due_on=due_on,
                    sent_on=today,
                    sent_at=now,
                    people=people,
                )
            )
    except IntegrityError:
        return False
    return True


def group_reminder_text(manager_name: str, reminder: Reminder) -> str:
    if reminder.overdue:
        return (
            f"{manager_name} reminded you that “{reminder.course_title}” was due on "
            f"{reminder.due_on:%d %b %Y} and is overdue."
        )
    return (
        f"{manager_name} reminded you that “{reminder.course_title}” is due on "
        f"{reminder.due_on:%d %b %Y}."
    )


def group_reminder_mail(manager_name: str, reminder: Reminder, base_url: str) -> Mail:
    """The daily reminder's email (the same subject), saying who sent it."""
    body = (
        f"Hello {reminder.name},\n\n{group_reminder_text(manager_name, reminder)}\n\n"
        f"Continue here: {base_url.rstrip('/')}/courses/{reminder.course_slug}\n\n"
        "You get this reminder because a course was assigned to you.\n"
    )
    return Mail(to=reminder.email, subject=reminder_mail(reminder, base_url).subject, body=body)
