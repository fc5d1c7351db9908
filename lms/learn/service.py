"""The learner's side of courses: catalog, enrolment, reading, progress. Services flush only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import defer, load_only
from sqlalchemy.orm.attributes import set_committed_value

from lms.activity.service import record
from lms.courses.models import Course, CourseVersion, Module, ModuleVersion
from lms.database import DbSession
from lms.learn.models import Enrolment, ModuleProgress
from lms.learn.signals import learning_progressed
from lms.learn.status import Status, enrolment_status, module_counts
from lms.literacy.models import LiteracyLevel
from lms.people.models import User, utcnow
from lms.people.org import is_manager

LENGTHS = {"short": (0, 45), "medium": (46, 90), "long": (91, 100_000)}


class LearnError(ValueError):
    """Something the learner cannot do now, with a message fit to show them."""


@dataclass
class CatalogEntry:
    course: Course
    version: CourseVersion
    enrolment: Enrolment | None
    fits_role: bool
    fits_level: bool
    status: Status | None = None

    @property
    def assigned(self) -> bool:
        return self.enrolment is not None and self.enrolment.source == "assigned"

    @property
    def recommended(self) -> bool:
        """Shown at the top: fits the role, or was assigned (whatever the role), and not done."""
        return (self.fits_role or self.assigned) and (
            self.enrolment is None or self.enrolment.completed_at is None
        )


@dataclass
class CatalogFilters:
    query: str = ""
    function: str = ""
    competency: str = ""
    length: str = ""
    level: int | None = None


def audiences_for(session: DbSession, user: User, manager: bool | None = None) -> set[str]:
    """The course audiences a person belongs to. ``manager``: whether they have reports, when the
    caller already knows (the request's user loader read it); otherwise one query."""
    audiences = {"everyone", user.job_function}
    if user.is_executive:
        audiences.add("executives")
    if manager is None:
        manager = is_manager(session, user.id)
    if manager:
        audiences.add("managers")
    return audiences


def published_courses(session: DbSession) -> list[tuple[Course, CourseVersion]]:
    """The courses on offer: published and not retired (the catalog, recommendations, assigning)."""
    rows = session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Course.retired_at.is_(None))
        .order_by(CourseVersion.title)
        .options(defer(CourseVersion.source), defer(CourseVersion.overview_html))
    ).all()
    return [(course, version) for course, version in rows]


def level_map(session: DbSession, user_id: int) -> dict[str, int]:
    rows = session.execute(
        select(LiteracyLevel.competency, LiteracyLevel.level).where(
            LiteracyLevel.user_id == user_id
        )
    ).all()
    return {competency: level for competency, level in rows}


def catalog(
    session: DbSession, user: User, filters: CatalogFilters, manager: bool | None = None
) -> list[CatalogEntry]:
    """Courses for the person's role and level first, then everything else. A handful of queries."""
    audiences = audiences_for(session, user, manager)
    levels = level_map(session, user.id)
    done, total = module_counts()
    now = utcnow()
    enrolments: dict[int, Enrolment] = {}
    statuses: dict[int, Status] = {}
    for e, modules_done, modules_total in session.execute(
        select(Enrolment, done, total)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
    ):
        enrolments[e.course_id] = e
        statuses[e.course_id] = enrolment_status(
            completed_at=e.completed_at,
            due_at=e.due_at,
            now=now,
            modules_done=int(modules_done or 0),
            modules_total=int(modules_total or 0),
        )
    entries: list[CatalogEntry] = []
    query = filters.query.lower()
    for course, version in published_courses(session):
        if query and query not in f"{version.title} {version.summary}".lower():
            continue
        if filters.function and filters.function not in version.audience:
            continue
        if filters.competency and filters.competency not in version.competencies:
            continue
        if filters.length in LENGTHS:
            low, high = LENGTHS[filters.length]
            if not low <= version.estimated_minutes <= high:
                continue
        if filters.level is not None and version.target_level != filters.level:
            continue
        fits_role = bool(audiences.intersection(version.audience))
        fits_level = any(levels.get(c, 0) < version.target_level for c in version.competencies)
        entries.append(
            CatalogEntry(
                course,
                version,
                enrolments.get(course.id),
                fits_role,
                fits_level,
                statuses.get(course.id),
            )
        )
    entries.sort(
        key=lambda entry: (
            entry.assigned and entry.enrolment is not None and entry.enrolment.completed_at is None,
            entry.fits_role,
            entry.fits_level,
        ),
        reverse=True,
    )
    return entries


# Page views never need a version's source files (a JSON map of every Markdown file, tens of KB).
WITHOUT_SOURCE = defer(CourseVersion.source)


def get_published(session: DbSession, slug: str) -> tuple[Course, CourseVersion] | None:
    row = session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Course.slug == slug)
        .options(WITHOUT_SOURCE)
    ).first()
    return (row[0], row[1]) if row else None


def get_published_for(
    session: DbSession, user_id: int, slug: str
) -> tuple[Course, CourseVersion, Enrolment | None] | None:
    """The live course with the person's enrolment (or None): one query."""
    row = session.execute(
        select(Course, CourseVersion, Enrolment)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .where(Course.slug == slug)
        .options(WITHOUT_SOURCE)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def get_module_page(
    session: DbSession, user_id: int, slug: str, module_slug: str
) -> tuple[Course, CourseVersion, ModuleVersion, Enrolment | None] | None:
    """The live course, its module ``module_slug`` and the person's enrolment: one query."""
    row = session.execute(
        select(Course, CourseVersion, ModuleVersion, Enrolment)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .join(ModuleVersion, ModuleVersion.course_version_id == CourseVersion.id)
        .join(Module, and_(Module.id == ModuleVersion.module_id, Module.slug == module_slug))
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .where(Course.slug == slug)
        # The page shows the course's title and slug: nothing else of the course is loaded.
        .options(
            load_only(Course.id, Course.slug),
            load_only(CourseVersion.id, CourseVersion.course_id, CourseVersion.title),
        )
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


@dataclass
class ModuleEntry:
    module_id: int
    slug: str
    title: str
    position: int
    estimated_minutes: int
    question_count: int
    read: bool = False
    completed: bool = False


@dataclass
class CourseProgress:
    course: Course
    version: CourseVersion
    enrolment: Enrolment | None
    modules: list[ModuleEntry] = field(default_factory=list)

    @property
    def completed_modules(self) -> int:
        return sum(1 for module in self.modules if module.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_modules / len(self.modules)) if self.modules else 0

    @property
    def status(self) -> Status | None:
        if self.enrolment is None:
            return None
        return enrolment_status(
            completed_at=self.enrolment.completed_at,
            due_at=self.enrolment.due_at,
            now=utcnow(),
            modules_done=self.completed_modules,
            modules_total=len(self.modules),
        )

    @property
    def all_modules_complete(self) -> bool:
        return bool(self.modules) and all(module.completed for module in self.modules)

    @property
    def minutes_left(self) -> int:
        return sum(m.estimated_minutes for m in self.modules if not m.completed)

    def resume_module(self) -> ModuleEntry | None:
        if self.enrolment and self.enrolment.last_module_id:
            for index, module in enumerate(self.modules):
                if module.module_id == self.enrolment.last_module_id:
                    if not module.completed:
                        return module
                    following = [m for m in self.modules[index + 1 :] if not m.completed]
                    if following:
                        return following[0]
                    break  # the last module read is done and so is everything after it
        pending = [module for module in self.modules if not module.completed]
        return pending[0] if pending else (self.modules[0] if self.modules else None)


def course_progress(
    session: DbSession,
    user_id: int,
    course: Course,
    version: CourseVersion,
    enrolment: Enrolment | None = None,
    *,
    enrolment_known: bool = False,
) -> CourseProgress:
    """The course's live modules with this person's progress: two queries, or one when the
    enrolment is already known (``enrolment_known``; ``enrolment`` may then be None)."""
    if not enrolment_known:
        enrolment = find_enrolment(session, user_id, course.id)
    return CourseProgress(course, version, enrolment, module_entries(session, user_id, version))


def find_enrolment(session: DbSession, user_id: int, course_id: int) -> Enrolment | None:
    found: Enrolment | None = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )
    return found


def module_entries(session: DbSession, user_id: int, version: CourseVersion) -> list[ModuleEntry]:
    """The version's modules in order, with this person's progress: one query."""
    rows = session.execute(
        select(
            ModuleVersion.module_id,
            Module.slug,
            ModuleVersion.title,
            ModuleVersion.position,
            ModuleVersion.estimated_minutes,
            ModuleVersion.question_count,
            ModuleProgress.read_at,
            ModuleProgress.completed_at,
        )
        .join(Module, Module.id == ModuleVersion.module_id)
        .outerjoin(
            ModuleProgress,
            and_(ModuleProgress.module_id == Module.id, ModuleProgress.user_id == user_id),
        )
        .where(ModuleVersion.course_version_id == version.id)
        .order_by(ModuleVersion.position)
    ).all()
    return [
        ModuleEntry(
            module_id=row[0],
            slug=row[1],
            title=row[2],
            position=row[3],
            estimated_minutes=row[4],
            question_count=row[5],
            read=row[6] is not None,
            completed=row[7] is not None,
        )
        for row in rows
    ]


def enrol(
    session: DbSession,
    user: User,
    course: Course,
    *,
    source: str = "self",
    assigned_by: User | None = None,
    due_at: datetime | None = None,
) -> Enrolment:
    existing: Enrolment | None = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if existing is not None:
        return existing
    enrolment = Enrolment(
        user_id=user.id,
        course_id=course.id,
        source=source,
        assigned_by_id=assigned_by.id if assigned_by else None,
        due_at=due_at,
        enrolled_at=utcnow(),
    )
    session.add(enrolment)
    session.flush()
    record(
        session,
        user.id,
        "enrolled",
        "course",
        course.slug,
        object_name=course.current_version.title if course.current_version else course.slug,
        course_id=course.id,
        context={"source": source},
    )
    return enrolment


def get_module_version(
    session: DbSession, version: CourseVersion, module_slug: str
) -> ModuleVersion | None:
    return session.scalar(
        select(ModuleVersion)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.course_version_id == version.id, Module.slug == module_slug)
    )


def get_progress(session: DbSession, user_id: int, module_id: int) -> ModuleProgress | None:
    return session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user_id, ModuleProgress.module_id == module_id
        )
    )


def mark_read(
    session: DbSession, user: User, course: Course, module_version: ModuleVersion, module_slug: str
) -> ModuleProgress:
    """The learner says they have read the module. Complete now unless a knowledge check waits."""
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if enrolment is None:
        raise LearnError("Enrol in the course first.")
    now = utcnow()
    progress = get_progress(session, user.id, module_version.module_id)
    if progress is None:
        progress = ModuleProgress(
            user_id=user.id, module_id=module_version.module_id, course_id=course.id, opened_at=now
        )
        session.add(progress)
    enrolment.last_module_id = module_version.module_id
    enrolment.last_active_at = now
    if progress.read_at is None:
        progress.read_at = now
    if (
        progress.completed_at is None
        and (module_version.question_count == 0 or progress.check_passed_at is not None)
        and complete_module(
            session, user.id, course, progress, module_slug, module_version.title, now
        )
    ):
        session.flush()
        learning_progressed.send(
            session, user_id=user.id, reason="module-completed", course_id=course.id
        )
    session.flush()
    return progress


def _complete_once(session: DbSession, row: ModuleProgress | Enrolment, now: datetime) -> bool:
    """Set ``completed_at`` with a conditional UPDATE, so that of two requests finishing the same
    thing at the same moment (a double click, two tabs) only one wins. False for the other."""
    model = type(row)
    claimed = session.execute(
        update(model)
        .where(model.id == row.id, model.completed_at.is_(None))
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(row, "completed_at", now)
    return True


def complete_module(
    session: DbSession,
    user_id: int,
    course: Course,
    progress: ModuleProgress,
    module_slug: str,
    title: str,
    now: datetime,
) -> bool:
    """Complete the module, once: a conditional UPDATE claims it, so two requests at the same
    moment (a double click, two tabs) cannot both record the completion. False if already done."""
    session.flush()
    if not _complete_once(session, progress, now):
        return False
    record(
        session,
        user_id,
        "completed",
        "module",
        f"{course.slug}/{module_slug}",
        object_name=title,
        course_id=course.id,
        result={"completion": True},
        at=now,
    )
    return True


def maybe_complete_course(
    session: DbSession,
    user_id: int,
    course: Course,
    version: CourseVersion,
    enrolment: Enrolment | None = None,
    *,
    enrolment_known: bool = False,
    quiz_passed: bool = False,
) -> bool:
    """Mark the enrolment complete when every live module is complete and any quiz passed.

    ``enrolment_known``: ``enrolment`` is the person's enrolment (or None), already loaded;
    ``quiz_passed``: the caller has just scored a passing final quiz.
    """
    from lms.learn.models import Attempt

    session.flush()
    if not enrolment_known:
        enrolment = find_enrolment(session, user_id, course.id)
    if enrolment is None or enrolment.completed_at is not None:
        return False
    modules = module_entries(session, user_id, version)
    if not modules or not all(module.completed for module in modules):
        return False
    if version.quiz_settings and not quiz_passed:
        passed = session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.user_id == user_id,
                Attempt.course_id == course.id,
                Attempt.kind == "quiz",
                Attempt.passed.is_(True),
            )
        )
        if not passed:
            return False
    now = utcnow()
    # Once, even if two requests finish the course at the same moment.
    if not _complete_once(session, enrolment, now):
        return False
    record(
        session,
        user_id,
        "completed",
        "course",
        course.slug,
        object_name=version.title,
        course_id=course.id,
        result={"completion": True},
        context={"source": enrolment.source},
        at=now,
    )
    session.flush()
    return True
