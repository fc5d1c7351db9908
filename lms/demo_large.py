"""A large, realistic demo organisation with six months of history, for dashboards and benchmarks.

``flask --app wsgi lms demo --people 10000 --seed 42`` first sets up the ordinary demo (the demo
people, every course, badge and pulse), then adds ``--people`` generated people under the demo's
CEO: one executive per department (engineering, sales, marketing, customer support, HR, finance,
operations, legal), each heading a tree of directors, managers and teams (5-12 reports per manager,
five or six levels deep at 10,000 people). Every generated person can log in with the demo password
(``<first>.<last>.<n>@large.example.com``).

History over the last 26 weeks: baseline self-ratings and answers, voluntary and assigned
enrolments, module progress, knowledge checks and quizzes with their answers, levels computed by the
real literacy model (``LiteracyLevel`` and ``LevelChange``), an activity log (about a hundred events
per person), pulse answers per round (with the perception gap), assignments (some overdue) and a
weekly snapshot per week.

Answers come from a simple item-response model, so item statistics, levels and dashboards look
like a real company's (see "The answer model" below): every person has an ability per competency
area, every question a discrimination, a location (from its difficulty label plus noise), a
guessing floor and how popular each wrong option is. One shipped question is simulated as an
ambiguous item (negative discrimination), so the question statistics have something to flag:
``responsible-ai-use`` / ``confidential-in-approved-tool`` (see ``AMBIGUOUS_ITEMS``). The question
itself is fine; only the demo's simulated people read it the wrong way.

Deterministic: the same ``--people``, ``--seed`` and day give the same rows. Rows are written with
multi-row inserts in batches, in one transaction. It refuses to run twice: a marker setting
(``large_demo``) records what was built; start from an empty database to build another.
"""

from __future__ import annotations

import json
import math
import random
import time as clock
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Table, func, select, text, update

from lms.activity.models import ActivityEvent
from lms.assessment.draw import option_order
from lms.assignments.models import Assignment
from lms.courses.models import (
    Course,
    CourseVersion,
    ModuleVersion,
    Question,
    QuestionVersion,
)
from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.extensions import db
from lms.learn.models import Attempt, AttemptAnswer, Enrolment, ModuleProgress, SelfRating
from lms.literacy.model import CORE_AREAS, Evidence, area_level, overall_level
from lms.literacy.models import OVERALL, LevelChange, LiteracyLevel
from lms.org.models import OrgSetting
from lms.org.snapshots import take_snapshot, week_start
from lms.people.models import JOB_FUNCTIONS, User, utcnow
from lms.pulse.demo_answers import demo_choice
from lms.pulse.format import CHOICE_KINDS
from lms.pulse.models import (
    RESPONDENT_GROUPS,
    Pulse,
    PulseParticipation,
    PulseQuestion,
)
from lms.pulse.service import add_counts, rounds_between, values_of

MARKER = "large_demo"
HISTORY_WEEKS = 26
BATCH = 5000
EMAIL_DOMAIN = "large.example.com"

# (function, share of people, head's title)
DEPARTMENTS = [
    ("engineering", 0.30, "SVP Engineering"),
    ("sales", 0.14, "SVP Sales"),
    ("marketing", 0.08, "VP Marketing"),
    ("customer-support", 0.16, "VP Customer Support"),
    ("hr", 0.05, "Chief People Officer"),
    ("finance", 0.07, "Chief Financial Officer"),
    ("operations", 0.17, "SVP Operations"),
    ("legal", 0.03, "General Counsel"),
]
LABELS = {
    "engineering": "Engineering",
    "sales": "Sales",
    "marketing": "Marketing",
    "customer-support": "Customer Support",
    "hr": "People",
    "finance": "Finance",
    "operations": "Operations",
    "legal": "Legal",
}
IC_TITLES = {
    "engineering": [
        "Software Engineer",
        "Senior Software Engineer",
        "Data Engineer",
        "QA Engineer",
        "Site Reliability Engineer",
        "Product Designer",
    ],
    "sales": ["Account Executive", "Sales Development Rep", "Account Manager", "Sales Engineer"],
    "marketing": ["Content Marketer", "Marketing Analyst", "Campaign Manager", "Designer"],
    "customer-support": [
        "Support Specialist",
        "Senior Support Specialist",
        "Onboarding Specialist",
    ],
    "hr": ["HR Business Partner", "Recruiter", "People Operations Specialist"],
    "finance": ["Financial Analyst", "Accountant", "Controller", "Payroll Specialist"],
    "operations": [
        "Operations Specialist",
        "Procurement Specialist",
        "Logistics Coordinator",
        "Facilities Coordinator",
    ],
    "legal": ["Legal Counsel", "Paralegal", "Compliance Officer"],
}
FIRST_NAMES = [
    "Ada",
    "Alex",
    "Amara",
    "Ana",
    "Ben",
    "Bea",
    "Carla",
    "Chen",
    "Dan",
    "Dara",
    "Eli",
    "Ella",
    "Emil",
    "Eva",
    "Felix",
    "Fatima",
    "Gita",
    "Hana",
    "Hugo",
    "Ian",
    "Ines",
    "Ivy",
    "Jon",
    "Jo",
    "Kai",
    "Kemal",
    "Lara",
    "Lena",
    "Leo",
    "Lucas",
    "Maya",
    "Mia",
    "Nadia",
    "Nina",
    "Noah",
    "Omar",
    "Olga",
    "Paul",
    "Priya",
    "Quinn",
    "Rafa",
    "Ravi",
    "Rosa",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Tom",
    "Uma",
    "Vera",
    "Viktor",
    "Wen",
    "Xavier",
    "Yara",
    "Yusuf",
    "Zoe",
    "Zain",
    "Marta",
    "Jonas",
    "Ahmed",
]
LAST_NAMES = [
    "Adams",
    "Ahmed",
    "Andersen",
    "Becker",
    "Brown",
    "Chen",
    "Costa",
    "Demir",
    "Dubois",
    "Fischer",
    "Garcia",
    "Hansen",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Novak",
    "Nguyen",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Smith",
    "Tanaka",
    "Turner",
    "Wagner",
    "Weiss",
    "Yilmaz",
    "Zhang",
    "Rahman",
    "Murphy",
    "Kelly",
    "Byrne",
    "Lindqvist",
    "Berg",
    "Horvat",
    "Popescu",
    "Santos",
    "Ferreira",
    "Moretti",
    "Costa",
    "Virtanen",
    "Kaur",
]

# profile -> (baseline probability, voluntary enrolments range, completion propensity, weekly
# sessions, pulse participation)
PROFILES: dict[str, tuple[float, tuple[int, int], float, float, float]] = {
    "champion": (0.95, (3, 5), 0.9, 1.0, 0.8),
    "steady": (0.85, (2, 3), 0.7, 0.5, 0.6),
    "occasional": (0.6, (1, 2), 0.4, 0.2, 0.4),
    "dormant": (0.25, (0, 1), 0.15, 0.04, 0.15),
}
PROFILE_MIX = {
    "executive": [("champion", 0.3), ("steady", 0.4), ("occasional", 0.2), ("dormant", 0.1)],
    "manager": [("champion", 0.2), ("steady", 0.4), ("occasional", 0.25), ("dormant", 0.15)],
    "employee": [("champion", 0.1), ("steady", 0.3), ("occasional", 0.3), ("dormant", 0.3)],
}
# Where a job function starts ahead of (or behind) its base ability, per competency area.
FUNCTION_STRENGTHS: dict[str, dict[str, float]] = {
    "engineering": {"directing": 0.3, "delegation": 0.2, "context": -0.2},
    "sales": {"delegation": 0.1, "responsible": -0.2},
    "marketing": {"directing": 0.2, "evaluating": -0.1},
    "customer-support": {"evaluating": 0.1, "directing": -0.1},
    "hr": {"responsible": 0.3, "directing": -0.2},
    "finance": {"evaluating": 0.3, "delegation": -0.1},
    "operations": {"delegation": 0.2, "foundations": -0.1},
    "legal": {"responsible": 0.5, "evaluating": 0.2, "directing": -0.3},
    "leadership": {"leading": 0.4, "context": 0.3},
}
# How much people over-rate themselves (the self-rated vs measured gap), by group.
OVERCONFIDENCE = {"executive": 1.2, "manager": 0.8, "employee": 0.4}
# Pulse: the mean answer per question key and group (the perception gap); yes/no: P(yes).
PULSE_MEANS = {
    "strategic": {"executive": 4.3, "manager": 3.6, "employee": 2.9},
    "well-managed": {"executive": 4.1, "manager": 3.3, "employee": 2.6},
    "have-training": {"executive": 4.0, "manager": 3.2, "employee": 2.6},
    "know-allowed-tools": {"executive": 4.4, "manager": 3.5, "employee": 2.8},
    "paid-own-tools": {"executive": 0.15, "manager": 0.25, "employee": 0.35},
    "org-literacy": {"executive": 3.9, "manager": 3.1, "employee": 2.5},
}


EVENT_COLUMNS = (
    "user_id",
    "verb",
    "object_type",
    "object_id",
    "object_name",
    "course_id",
    "result",
    "context",
    "occurred_at",
)
ANSWER_COLUMNS = (
    "attempt_id",
    "user_id",
    "question_id",
    "question_version_id",
    "competency",
    "difficulty",
    "chosen",
    "correct",
    "answered_at",
    "seconds_taken",
    "counts",
)


class LargeDemoError(RuntimeError):
    pass


# ------------------------------------------------------------------------------ the answer model
#
# Whether a simulated person answers an item right is drawn from a three-parameter logistic item
# response model: P(right) = c + (1 - c) / (1 + exp(-a * (theta - b))), where theta is the person's
# ability in the item's competency area (see ``History.person``: a general factor shared by all
# areas, the job function's strengths, the engagement profile, and what they learned since),
# ``a`` the item's discrimination, ``b`` its location (the author's difficulty label plus per-item
# noise) and ``c`` the chance of guessing it. A wrong answer picks its options by how tempting each
# wrong option is (a per-item popularity, some options hardly ever picked), as real distractors do.
# Item parameters come from the course and question slugs alone: every generated organisation
# answers the same questions the same way, whatever its seed.

ITEM_DISCRIMINATION = 1.6  # median ``a``; per item times exp(N(0, 0.25))
ITEM_LOCATION_SHIFT = -0.45  # ``b`` = difficulty label + this + N(0, 0.45)
ITEM_LOCATION_NOISE = 0.45
# A deliberately bad item: strong people over-think it and pick the "careful" distractor (its text
# contains the phrase), weak people take the key at face value, so it discriminates negatively
# and the question statistics flag it. The shipped question is sound; only the demo's people read
# it this way. Documented in docs/authoring.md ("Question statistics").
AMBIGUOUS_ITEMS = {
    ("responsible-ai-use", "confidential-in-approved-tool"): "removes the customer's name",
}
AMBIGUOUS_DISCRIMINATION = -1.6
AMBIGUOUS_LOCATION = 2.2
AMBIGUOUS_TRAP_SHARE = 0.8  # of wrong answers to it


# ------------------------------------------------------------------------------------ catalogue


@dataclass
class QuestionInfo:
    version_id: int
    question_id: int
    competency: str
    difficulty: int
    correct: list[str]
    keys: list[str]
    slug: str = ""
    course_slug: str = ""
    course_id: int = 0
    multiple: bool = False
    shuffle: bool = True  # true/false options keep their order
    pin_last: bool = False
    texts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        wrong = [key for key in self.keys if key not in self.correct]
        self.wrong_keys = wrong or ["a"]
        items = random.Random(f"item:{self.course_slug}/{self.slug}")  # noqa: S311
        self.discrimination = ITEM_DISCRIMINATION * math.exp(items.gauss(0, 0.25))
        self.location = self.difficulty + ITEM_LOCATION_SHIFT + items.gauss(0, ITEM_LOCATION_NOISE)
        if self.multiple:
            self.guessing = 0.03  # guessing a whole set of options right is rare
        else:
            self.guessing = 1.0 / max(2, len(self.keys))
        # How tempting each wrong option is: a gamma draw, so some distractors are popular and
        # some hardly ever picked, as in real items.
        weights = [items.gammavariate(2.0, 1.0) + 0.1 for _ in self.wrong_keys]
        self.trap: str | None = None
        phrase = AMBIGUOUS_ITEMS.get((self.course_slug, self.slug))
        if phrase is not None:
            self.discrimination = AMBIGUOUS_DISCRIMINATION
            self.location = AMBIGUOUS_LOCATION
            self.trap = next(
                (key for key in self.wrong_keys if phrase in self.texts.get(key, "")),
                self.wrong_keys[0],
            )
        total = sum(weights)
        self.cumulative: list[float] = []
        running = 0.0
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)
        self.right_json = _json(self.correct)
        self._chosen_json: dict[tuple[str, ...], str] = {}

    def chance(self, ability: float) -> float:
        """P(right) for someone of this ability (the 3PL model above)."""
        logit = max(-30.0, min(30.0, self.discrimination * (ability - self.location)))
        return self.guessing + (1.0 - self.guessing) * sigmoid(logit)

    def distractor(self, rng: random.Random) -> str:
        roll = rng.random()
        for key, bound in zip(self.wrong_keys, self.cumulative, strict=True):
            if roll < bound:
                return key
        return self.wrong_keys[-1]

    def wrong_answer(self, rng: random.Random) -> list[str]:
        """What a wrong answer chose: a tempting distractor; for choose-all questions, the key
        with one right option missed and/or a distractor ticked too."""
        if self.trap is not None and rng.random() < AMBIGUOUS_TRAP_SHARE:
            picked = self.trap
        else:
            picked = self.distractor(rng)
        if not self.multiple:
            return [picked]
        chosen = set(self.correct)
        roll = rng.random()
        if roll < 0.45 and len(self.correct) > 1:  # missed one right option
            chosen.discard(self.correct[int(rng.random() * len(self.correct))])
        elif roll < 0.75 and len(self.correct) > 1:  # missed one and ticked a distractor
            chosen.discard(self.correct[int(rng.random() * len(self.correct))])
            chosen.add(picked)
        else:  # ticked a distractor on top of the right ones
            chosen.add(picked)
        return sorted(chosen)

    def chosen_json(self, chosen: list[str]) -> str:
        key = tuple(chosen)
        stored = self._chosen_json.get(key)
        if stored is None:
            stored = self._chosen_json[key] = _json(chosen)
        return stored


@dataclass
class ModuleInfo:
    module_id: int
    slug: str
    title: str
    competencies: list[str]
    checks: list[QuestionInfo]


@dataclass
class CourseInfo:
    id: int
    slug: str
    title: str
    version_id: int
    audience: list[str]
    competencies: list[str]
    modules: list[ModuleInfo]
    pool: list[QuestionInfo]
    quiz_questions: int
    pass_mark: int


def load_catalogue(session: DbSession) -> list[CourseInfo]:
    courses = session.execute(
        select(Course.id, Course.slug, CourseVersion)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(Course.slug)
    ).all()
    result = []
    for course_id, slug, version in courses:
        modules = list(
            session.scalars(
                select(ModuleVersion)
                .where(ModuleVersion.course_version_id == version.id)
                .order_by(ModuleVersion.position)
            )
        )
        questions = list(
            session.scalars(
                select(QuestionVersion)
                .where(QuestionVersion.course_version_id == version.id)
                .order_by(QuestionVersion.position, QuestionVersion.id)
            )
        )

        slugs = dict(
            session.execute(
                select(Question.id, Question.slug).where(Question.course_id == course_id)
            ).all()
        )
        by_module: dict[int | None, list[QuestionInfo]] = defaultdict(list)
        for q in questions:
            by_module[q.module_id].append(
                question_info(q, course_id, slug, slugs.get(q.question_id, ""))
            )
        settings = version.quiz_settings or {}
        result.append(
            CourseInfo(
                id=course_id,
                slug=slug,
                title=version.title,
                version_id=version.id,
                audience=list(version.audience),
                competencies=list(version.competencies),
                modules=[
                    ModuleInfo(
                        m.module_id,
                        slug_of(session, m.module_id),
                        m.title,
                        list(m.competencies),
                        by_module.get(m.module_id, []),
                    )
                    for m in modules
                ],
                pool=by_module.get(None, []),
                quiz_questions=int(settings.get("questions", 0)) if settings else 0,
                pass_mark=int(settings.get("pass_mark", 70)) if settings else 70,
            )
        )
    return result


def question_info(q: QuestionVersion, course_id: int, course_slug: str, slug: str) -> QuestionInfo:
    return QuestionInfo(
        q.id,
        q.question_id,
        q.competency,
        q.difficulty,
        sorted(q.correct_keys),
        [option["key"] for option in q.options],
        slug=slug,
        course_slug=course_slug,
        course_id=course_id,
        multiple=q.multiple_answers,
        shuffle=q.type != "true-false",
        pin_last=q.pin_last,
        texts={option["key"]: option["html"] for option in q.options},
    )


def slug_of(session: DbSession, module_id: int) -> str:
    from lms.courses.models import Module

    return str(session.scalar(select(Module.slug).where(Module.id == module_id)))


# ---------------------------------------------------------------------------------- the people


@dataclass
class Person:
    id: int
    email: str
    name: str
    function: str
    title: str
    manager_id: int | None
    is_executive: bool
    created_at: datetime
    depth: int
    department: str
    reports: list[int] = field(default_factory=list)
    profile: str = "occasional"

    @property
    def group(self) -> str:
        if self.is_executive:
            return "executive"
        return "manager" if self.reports else "employee"


def build_people(
    rng: random.Random, count: int, first_id: int, ceo_id: int, start: datetime
) -> list[Person]:
    """The org chart: department heads under the CEO, then 5-12 reports per manager, level by
    level."""
    sizes = [max(1, int(count * share)) for _, share, _ in DEPARTMENTS]
    sizes[0] += count - sum(sizes)
    people: list[Person] = []
    next_id = first_id

    def new_person(function: str, manager_id: int | None, depth: int, department: str) -> Person:
        nonlocal next_id
        first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
        last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
        number = next_id - first_id + 1
        joined = (
            start + timedelta(days=rng.randrange(0, 7 * HISTORY_WEEKS - 14))
            if rng.random() < 0.08
            else start - timedelta(days=rng.randrange(30, 5 * 365))
        )
        person = Person(
            id=next_id,
            email=f"{first}.{last}.{number}@{EMAIL_DOMAIN}".lower(),
            name=f"{first} {last}",
            function=function,
            title="",
            manager_id=manager_id,
            is_executive=False,
            created_at=joined.replace(microsecond=0),
            depth=depth,
            department=department,
        )
        next_id += 1
        people.append(person)
        return person

    by_id: dict[int, Person] = {}
    for (function, _, head_title), size in zip(DEPARTMENTS, sizes, strict=True):
        if size <= 0:
            continue
        head = new_person("leadership", ceo_id, 1, function)
        head.is_executive = True
        head.title = head_title
        head.created_at = start - timedelta(days=rng.randrange(365, 6 * 365))
        by_id[head.id] = head
        remaining = size - 1
        frontier = [head]
        while remaining > 0 and frontier:
            following: list[Person] = []
            for manager in frontier:
                if remaining <= 0:
                    break
                span = min(rng.randint(5, 12), remaining)
                for _ in range(span):
                    child = new_person(function, manager.id, manager.depth + 1, function)
                    by_id[child.id] = child
                    manager.reports.append(child.id)
                    following.append(child)
                remaining -= span
            frontier = following
    label = LABELS
    for person in people:
        if person.is_executive:
            continue
        if person.reports:
            person.title = (
                f"Director, {label[person.function]}"
                if person.depth == 2
                else f"{'Senior ' if len(person.reports) > 9 else ''}Manager, "
                f"{label[person.function]}"
            )
        else:
            titles = IC_TITLES[person.function]
            person.title = titles[rng.randrange(len(titles))]
    return people


# ------------------------------------------------------------------------------------- writing


class Writer:
    """Buffers rows per table and writes them with the driver's ``executemany`` in batches,
    parents before children. Values are converted here the way SQLAlchemy stores them (JSON as
    text; on SQLite, dates and times as ISO text), which skips SQLAlchemy's per-row processing:
    the generator writes over a million rows."""

    def __init__(self, session: DbSession) -> None:
        self.session = session
        self.rows: dict[Table, list[tuple[Any, ...]]] = defaultdict(list)
        self.columns: dict[Table, list[tuple[str, Any]]] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.order = {table: index for index, table in enumerate(db.metadata.sorted_tables)}
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            # A bigger page cache for this connection: index pages stay in memory while loading.
            session.connection().exec_driver_sql("PRAGMA cache_size = -262144")

    def _converter(self, column: Any) -> Any:
        if isinstance(column.type, JSON):
            return _json
        if isinstance(column.type, DateTime) and self.sqlite:
            return _sqlite_datetime
        if isinstance(column.type, Date) and self.sqlite:
            return _sqlite_date
        return None

    def add(self, table: Table, row: dict[str, Any]) -> None:
        spec = self.columns.get(table)
        if spec is None:
            spec = [(name, self._converter(table.c[name])) for name in row]
            self.columns[table] = spec
        buffer = self.rows[table]
        buffer.append(
            tuple(
                row[name] if convert is None or row[name] is None else convert(row[name])
                for name, convert in spec
            )
        )
        if len(buffer) >= BATCH:
            self.flush()

    def raw(self, table: Table, names: tuple[str, ...], values: tuple[Any, ...]) -> None:
        """A row already in stored form (see :meth:`stored_time`), columns in ``names`` order."""
        if table not in self.columns:
            self.columns[table] = [(name, None) for name in names]
        buffer = self.rows[table]
        buffer.append(values)
        if len(buffer) >= BATCH:
            self.flush()

    def stored_time(self, value: datetime) -> Any:
        return _sqlite_datetime(value) if self.sqlite else value

    def flush(self) -> None:
        connection = self.session.connection()
        marker = "?"
        for table in sorted(self.rows, key=lambda t: self.order.get(t, 0)):
            buffer = self.rows[table]
            if not buffer:
                continue
            names = [name for name, _ in self.columns[table]]
            if self.sqlite:
                statement = (
                    f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608  (our names)
                    f"VALUES ({', '.join([marker] * len(names))})"
                )
                connection.exec_driver_sql(statement, buffer)
            else:  # PostgreSQL: COPY, several times faster than multi-row INSERTs
                driver: Any = connection.connection.driver_connection
                with (
                    driver.cursor() as cursor,
                    cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
                ):
                    for row in buffer:
                        copy.write_row(row)
            self.counts[table.name] += len(buffer)
            self.rows[table] = []


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _sqlite_datetime(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")  # how SQLAlchemy stores DateTime on SQLite


def _sqlite_date(value: date) -> str:
    return value.isoformat()


def next_id(session: DbSession, table: Table) -> int:
    return int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def fix_sequences(session: DbSession, tables: Iterable[Table]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


# ------------------------------------------------------------------------------------- history


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Plan:
    """How far someone takes a course, and when."""

    start: datetime  # the first module opened
    target: int  # modules they get through (if they pass the checks)
    pace: timedelta  # typical time between modules
    tries: int  # attempts at a knowledge check before giving up (the final quiz: two)
    preparation: float = 0.0  # added to their ability for the final quiz (revising for it)


# The share of people who finish a course assigned to them (sooner or later), by profile.
ASSIGNED_FINISH = {"champion": 0.97, "steady": 0.93, "occasional": 0.82, "dormant": 0.6}
ASSIGNED_PREPARATION = 0.5


@dataclass
class Learner:
    person: Person
    profile: str
    ability: dict[str, float]
    # (started, attempt id, submitted, [(question, correct, answered at, counts)])
    attempts: list[
        tuple[datetime, int, datetime, list[tuple[QuestionInfo, bool, datetime, bool]]]
    ] = field(default_factory=list)
    # Question versions answered so far: a knowledge check's answer to one of them is practice.
    answered: set[int] = field(default_factory=set)


class History:
    """Generates one person's history at a time and hands rows to the writer."""

    def __init__(
        self,
        session: DbSession,
        rng: random.Random,
        writer: Writer,
        catalogue: list[CourseInfo],
        start: datetime,
        now: datetime,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.catalogue = catalogue
        self.by_slug = {course.slug: course for course in catalogue}
        self.start = start
        self.now = now
        self.attempt_id = next_id(session, Attempt.__table__)
        self.all_questions: dict[str, list[QuestionInfo]] = defaultdict(list)
        for course in catalogue:
            for question in [*course.pool, *(q for m in course.modules for q in m.checks)]:
                self.all_questions[question.competency].append(question)
        self.events: Table = ActivityEvent.__table__
        self.answers: Table = AttemptAnswer.__table__
        self.assignments: list[dict[str, Any]] = []

    # -- helpers

    def moment(self, low: datetime, high: datetime) -> datetime:
        if high <= low:
            return low
        seconds = int((high - low).total_seconds())
        return (low + timedelta(seconds=int(self.rng.random() * seconds))).replace(microsecond=0)

    def event(
        self,
        user_id: int,
        verb: str,
        object_type: str,
        object_id: str,
        at: datetime,
        name: str = "",
        course_id: int | None = None,
        result: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.writer.raw(
            self.events,
            EVENT_COLUMNS,
            (
                user_id,
                verb,
                object_type,
                object_id,
                name[:300],
                course_id,
                None if result is None else _json(result),
                None if context is None else _json(context),
                self.writer.stored_time(at),
            ),
        )

    def answer(
        self, learner: Learner, question: QuestionInfo, bonus: float = 0.0
    ) -> tuple[bool, str]:
        """Right or wrong (the item-response model), and the options chosen, as stored JSON."""
        ability = learner.ability.get(question.competency, 0.5)
        if question.trap is None:
            # Revising or trying again helps, except with the ambiguous item: over-thinking it is
            # a habit of the strong, not a gap that revision closes.
            ability += bonus
        if self.rng.random() < question.chance(ability):
            return True, question.right_json
        return False, question.chosen_json(question.wrong_answer(self.rng))

    def attempt(
        self,
        learner: Learner,
        kind: str,
        questions: list[QuestionInfo],
        at: datetime,
        *,
        course: CourseInfo | None = None,
        module: ModuleInfo | None = None,
        pass_mark: int = 70,
        bonus: float = 0.0,
    ) -> bool:
        attempt_id = self.attempt_id
        self.attempt_id += 1
        user_id = learner.person.id
        right = 0
        given: list[tuple[QuestionInfo, bool, datetime, bool]] = []
        rows: list[tuple[Any, ...]] = []
        for offset, question in enumerate(questions):
            correct, chosen = self.answer(learner, question, bonus)
            right += correct
            # As lms.learn.quiz does: a knowledge check's answer to a question version this
            # person answered before is practice, recorded but not evidence.
            counts = kind != "check" or question.version_id not in learner.answered
            learner.answered.add(question.version_id)
            answered = at + timedelta(seconds=30 * (offset + 1))
            rows.append(
                (
                    attempt_id,
                    user_id,
                    question.question_id,
                    question.version_id,
                    question.competency,
                    question.difficulty,
                    chosen,
                    correct,
                    self.writer.stored_time(answered),
                    20 + int(self.rng.random() * 60),
                    counts,
                )
            )
            given.append((question, correct, answered, counts))
        score = round(100.0 * right / len(questions), 1) if questions else 0.0
        passed = score >= pass_mark
        submitted = at + timedelta(seconds=30 * (len(questions) + 1))
        learner.attempts.append((at, attempt_id, submitted, given))
        self.writer.add(
            Attempt.__table__,
            {
                "id": attempt_id,
                "user_id": user_id,
                "kind": kind,
                "course_id": course.id if course else None,
                "course_version_id": course.version_id if course else None,
                "module_id": module.module_id if module else None,
                "question_version_ids": [q.version_id for q in questions],
                "started_at": at,
                "deadline_at": None,
                "submitted_at": submitted,
                "score": score,
                "passed": passed if kind != "baseline" else None,
                "pass_mark": pass_mark,
                "review": "full" if kind != "baseline" else "score",
                # Options in the order this attempt showed them, shuffled as lms.learn.quiz does.
                "option_orders": {
                    str(q.version_id): option_order(q.keys, q.pin_last, self.rng)
                    if q.shuffle
                    else list(q.keys)
                    for q in questions
                },
            },
        )
        # After the attempt's row: a batch written in between must not hold answers without it.
        for row in rows:
            self.writer.raw(self.answers, ANSWER_COLUMNS, row)
        object_type = {"quiz": "quiz", "check": "check"}.get(kind, "baseline")
        object_id = (
            f"{course.slug}/{module.slug}"
            if module and course
            else course.slug
            if course
            else "baseline"
        )
        name = module.title if module else course.title if course else "Baseline assessment"
        cid = course.id if course else None
        self.event(user_id, "attempted", object_type, object_id, at, name, cid)
        if kind != "baseline":
            verb = "passed" if passed else "failed"
            self.event(
                user_id,
                verb,
                object_type,
                object_id,
                submitted,
                name,
                cid,
                result={"score": score, "scaled": score / 100, "success": passed},
            )
        else:
            self.event(
                user_id,
                "completed",
                "baseline",
                "baseline",
                submitted,
                name,
                result={"score": score, "scaled": score / 100},
            )
        return passed

    # -- one person

    def person(self, person: Person, assigned: dict[str, tuple[datetime, date, int, str]]) -> None:
        rng = self.rng
        group = person.group
        profile = pick(rng, PROFILE_MIX[group])
        person.profile = profile
        baseline_p, voluntary, propensity, sessions, _ = PROFILES[profile]
        # Ability per area (theta of the answer model): the function's starting point and
        # strengths, the engagement profile, a general factor shared by every area (people good
        # at one area tend to be good at the others, which is what makes items discriminate),
        # and the area's own part. Completing modules raises it (see take_course).
        base = {"engineering": 1.5, "leadership": 1.3}.get(person.function, 1.0)
        base += {"champion": 0.8, "steady": 0.4, "occasional": 0.0, "dormant": -0.3}[profile]
        base += rng.gauss(0, 0.4)
        strengths = FUNCTION_STRENGTHS.get(person.function, {})
        ability = {
            area: max(0.0, min(3.6, base + strengths.get(area, 0.0) + rng.gauss(0, 0.45)))
            for area in COMPETENCIES
        }
        learner = Learner(person, profile, ability)
        joined = max(person.created_at, self.start)
        user_id = person.id

        if rng.random() < baseline_p:
            at = self.moment(joined, min(self.now, joined + timedelta(weeks=8)))
            areas = list(CORE_AREAS) + (["leading"] if group != "employee" else [])
            ratings = {}
            for area in areas:
                rated = round(ability[area] + OVERCONFIDENCE[group] + rng.gauss(0, 0.5))
                ratings[area] = max(0, min(4, rated))
                self.writer.add(
                    SelfRating.__table__,
                    {
                        "user_id": user_id,
                        "competency": area,
                        "level": ratings[area],
                        "rated_at": at,
                    },
                )
            self.event(
                user_id,
                "self-assessed",
                "baseline",
                "self-rating",
                at,
                "Self-rating",
                result={"ratings": ratings},
            )
            drawn: list[QuestionInfo] = []
            for area in CORE_AREAS:
                pool = self.all_questions.get(area, [])
                drawn.extend(rng.sample(pool, min(3, len(pool))))
            if drawn:
                self.attempt(learner, "baseline", drawn, at + timedelta(minutes=2))

        # Which courses: assigned ones, then voluntary ones that fit the role.
        audiences = {"everyone", person.function}
        if group == "executive":
            audiences.add("executives")
        if group != "employee":
            audiences.add("managers")
        fitting = [c for c in self.catalogue if audiences & set(c.audience)]
        chosen: list[tuple[CourseInfo, datetime, str]] = []
        for slug, (at, _, _, _) in sorted(assigned.items()):
            if slug in self.by_slug:
                chosen.append((self.by_slug[slug], at, "assigned"))
        count = rng.randint(*voluntary)
        candidates = [c for c in fitting if c.slug not in assigned]
        rng.shuffle(candidates)
        for course in candidates[:count]:
            chosen.append((course, self.moment(joined, self.now - timedelta(days=2)), "self"))
        chosen.sort(key=lambda item: (item[1], item[0].slug))

        for course, enrolled_at, source in chosen:
            self.take_course(
                learner,
                course,
                enrolled_at,
                source,
                assigned.get(course.slug),
                propensity + (0.2 if source == "assigned" else 0.0),
            )

        # Revisits: sessions of reading over the weeks, from enrolment on.
        enrolled = [(course, at) for course, at, _ in chosen]
        if enrolled:
            first = min(at for _, at in enrolled)
            weeks = max(1, int((self.now - first).days / 7))
            total = int(rng.gauss(sessions * weeks, math.sqrt(sessions * weeks) + 0.1))
            for _ in range(max(0, total)):
                course, since = enrolled[rng.randrange(len(enrolled))]
                if not course.modules:
                    continue
                at = self.moment(since, self.now)
                for _ in range(rng.randint(2, 4)):
                    module = course.modules[rng.randrange(len(course.modules))]
                    self.event(
                        user_id,
                        "opened",
                        "module",
                        f"{course.slug}/{module.slug}",
                        at,
                        module.title,
                        course.id,
                    )
                    at += timedelta(minutes=rng.randint(2, 12))

        self.levels(learner)

    def voluntary_plan(self, propensity: float, modules: int, enrolled_at: datetime) -> Plan:
        """A course someone chose: they go all the way with their ``propensity``, at their pace."""
        rng = self.rng
        goes_far = rng.random() < propensity
        target = modules if goes_far else rng.randint(0, max(0, modules - 1))
        pace = timedelta(days=rng.uniform(0.5, 6.0))
        return Plan(enrolled_at + pace * rng.uniform(0.3, 1.7), target, pace, 2)

    def assigned_plan(
        self, profile: str, modules: int, assignment: tuple[datetime, date, int, str]
    ) -> Plan:
        """An assigned course, the way assignments go: most people finish it, many in a burst
        right after it is assigned, others over the following weeks, some only once a reminder
        comes (three days before the due date, then daily once overdue), a few late or never;
        those who mean to finish it try a knowledge check again until they pass."""
        rng = self.rng
        created, due_on, _, _ = assignment
        due = datetime.combine(due_on, time(17, 0))
        finishes = rng.random() < ASSIGNED_FINISH[profile]
        roll = rng.random()
        if roll < 0.45:  # the burst: within days of the notification
            start = created + timedelta(days=rng.expovariate(1.0))
        elif roll < 0.75:  # over the following weeks
            start = created + timedelta(days=rng.uniform(3, 20))
        else:  # when a reminder comes: before the due date, the day after it, a week later
            nudge = pick(rng, [("-3", 0.5), ("1", 0.3), ("8", 0.2)])
            start = due + timedelta(days=int(nudge) + rng.uniform(0, 1.5))
        if finishes:
            target, tries = modules, 8
        else:  # starts and stalls, or never opens it
            target, tries = rng.randint(0, max(0, modules - 1)), 2
        pace = timedelta(days=rng.uniform(0.1, 1.5))  # assigned work is done in few sittings
        start = max(start, created + timedelta(minutes=20))
        # Those who mean to finish revise before the final quiz.
        return Plan(start, target, pace, tries, ASSIGNED_PREPARATION if finishes else 0.0)

    def take_course(
        self,
        learner: Learner,
        course: CourseInfo,
        enrolled_at: datetime,
        source: str,
        assignment: tuple[datetime, date, int, str] | None,
        propensity: float,
    ) -> None:
        rng = self.rng
        user_id = learner.person.id
        self.event(
            user_id,
            "enrolled",
            "course",
            course.slug,
            enrolled_at,
            course.title,
            course.id,
            context={"source": source},
        )
        plan = (
            self.assigned_plan(learner.profile, len(course.modules), assignment)
            if assignment is not None
            else self.voluntary_plan(propensity, len(course.modules), enrolled_at)
        )
        at = plan.start
        pace = plan.pace
        last_module: int | None = None
        last_active: datetime | None = None
        completed_modules = 0
        for index, module in enumerate(course.modules[: plan.target]):
            if index:
                at = at + pace * rng.uniform(0.3, 1.7)
            if at >= self.now:
                break
            opened = at
            read = opened + timedelta(minutes=rng.randint(5, 25))
            self.event(
                user_id,
                "opened",
                "module",
                f"{course.slug}/{module.slug}",
                opened,
                module.title,
                course.id,
            )
            passed_at: datetime | None = None
            if module.checks:
                for attempt_number in range(plan.tries):
                    when = read + timedelta(minutes=1 + 10 * attempt_number)
                    if self.attempt(
                        learner,
                        "check",
                        module.checks,
                        when,
                        course=course,
                        module=module,
                        bonus=0.5 * attempt_number,
                    ):
                        passed_at = when + timedelta(minutes=2)
                        break
                if passed_at is None:
                    self.writer.add(
                        ModuleProgress.__table__,
                        {
                            "user_id": user_id,
                            "module_id": module.module_id,
                            "course_id": course.id,
                            "opened_at": opened,
                            "read_at": read,
                            "check_passed_at": None,
                            "completed_at": None,
                        },
                    )
                    last_module, last_active = module.module_id, read
                    break
            done = passed_at or read
            self.writer.add(
                ModuleProgress.__table__,
                {
                    "user_id": user_id,
                    "module_id": module.module_id,
                    "course_id": course.id,
                    "opened_at": opened,
                    "read_at": read,
                    "check_passed_at": passed_at,
                    "completed_at": done,
                },
            )
            self.event(
                user_id,
                "completed",
                "module",
                f"{course.slug}/{module.slug}",
                done,
                module.title,
                course.id,
                result={"completion": True},
            )
            for area in module.competencies:
                learner.ability[area] = min(4.0, learner.ability.get(area, 0.5) + 0.12)
            completed_modules += 1
            last_module, last_active, at = module.module_id, done, done
        completed_at: datetime | None = None
        if course.modules and completed_modules == len(course.modules):
            if course.pool and course.quiz_questions:
                for attempt_number in range(2):
                    when = at + timedelta(hours=rng.randint(1, 72))
                    if when >= self.now:
                        break
                    size = min(course.quiz_questions, len(course.pool))
                    drawn = rng.sample(course.pool, size)
                    if self.attempt(
                        learner,
                        "quiz",
                        drawn,
                        when,
                        course=course,
                        pass_mark=course.pass_mark,
                        bonus=plan.preparation + 0.3 * attempt_number,
                    ):
                        completed_at = when + timedelta(minutes=15)
                        break
                    at = when + timedelta(hours=1)
            else:
                completed_at = at
        if completed_at is not None and completed_at >= self.now:
            completed_at = None
        if completed_at is not None:
            self.event(
                user_id,
                "completed",
                "course",
                course.slug,
                completed_at,
                course.title,
                course.id,
                result={"completion": True},
                context={"source": source},
            )
            last_active = completed_at
        due_at = None
        assigned_by = None
        if assignment is not None:
            created, due_on, assigned_by, note = assignment
            due_at = datetime.combine(due_on, time(23, 59, 59))
            self.assignments.append(
                {
                    "user_id": user_id,
                    "course_id": course.id,
                    "assigned_by_id": assigned_by,
                    "due_on": due_on,
                    "note": note,
                    "created_at": created,
                    "updated_at": created,
                    "completed_at": completed_at,
                    "last_reminded_on": self.last_reminder(due_on, completed_at),
                }
            )
        self.writer.add(
            Enrolment.__table__,
            {
                "user_id": user_id,
                "course_id": course.id,
                "source": source,
                "assigned_by_id": assigned_by,
                "due_at": due_at,
                "enrolled_at": enrolled_at,
                "completed_at": completed_at,
                "last_module_id": last_module,
                "last_active_at": last_active,
            },
        )

    def last_reminder(self, due_on: date, completed_at: datetime | None) -> date | None:
        """The day ``lms reminders send`` (daily, three days ahead) last reminded an assignment
        still open: yesterday, once the due date is three days away or past."""
        yesterday = (self.now - timedelta(days=1)).date()
        if completed_at is not None or due_on - timedelta(days=3) > yesterday:
            return None
        return yesterday

    def levels(self, learner: Learner) -> None:
        """Replay the person's answers through the literacy model week by week: at the end of each
        week with attempts, the areas answered that week and the overall level are recomputed from
        the newest answer per question (as ``lms.literacy.service.recompute_levels`` does after
        each attempt), and changes are recorded at the week's last submission."""
        user_id = learner.person.id
        evidence: dict[str, dict[int, Evidence]] = defaultdict(dict)
        stored: dict[str, tuple[int, float, float, datetime]] = {}
        current: dict[str, int] = {}
        weeks: dict[date, list[Any]] = defaultdict(list)
        for attempt in sorted(learner.attempts, key=lambda a: (a[0], a[1])):
            weeks[week_start(attempt[2].date())].append(attempt)
        for _, attempts in sorted(weeks.items()):
            touched = set()
            submitted = attempts[-1][2]
            for _, _, _, given in attempts:
                for question, correct, answered, counts in given:
                    if not counts:
                        continue  # practice: never level evidence
                    evidence[question.competency][question.question_id] = Evidence(
                        question.competency,
                        question.difficulty,
                        correct,
                        answered,
                        f"course:{question.course_id}",  # as lms.literacy.service: capped
                    )
                    touched.add(question.competency)
            changed = []
            for area in sorted(touched):
                result = area_level(evidence[area].values())
                old = current.get(area, 0)
                changed_at = (
                    submitted if result.level != old or area not in stored else stored[area][3]
                )
                stored[area] = (result.level, result.score, result.evidence, changed_at)
                if result.level != old:
                    changed.append((area, old, result.level))
                    current[area] = result.level
            overall = overall_level({a: current.get(a, 0) for a in COMPETENCIES})
            old_overall = current.get(OVERALL, 0)
            average = sum(stored[a][1] for a in CORE_AREAS if a in stored) / len(CORE_AREAS)
            overall_at = (
                submitted if overall != old_overall or OVERALL not in stored else stored[OVERALL][3]
            )
            stored[OVERALL] = (overall, average, 0.0, overall_at)
            if overall != old_overall:
                changed.append((OVERALL, old_overall, overall))
                current[OVERALL] = overall
            for area, old, new in changed:
                self.writer.add(
                    LevelChange.__table__,
                    {
                        "user_id": user_id,
                        "competency": area,
                        "old_level": old,
                        "new_level": new,
                        "changed_at": submitted,
                    },
                )
                self.event(
                    user_id,
                    "level-changed",
                    "competency",
                    area,
                    submitted,
                    COMPETENCIES.get(area, "Overall AI literacy"),
                    result={"level": new, "previous": old},
                )
        last = max((a[2] for a in learner.attempts), default=None)
        for area, (level, score, amount, changed_at) in sorted(stored.items()):
            self.writer.add(
                LiteracyLevel.__table__,
                {
                    "user_id": user_id,
                    "competency": area,
                    "level": level,
                    "score": round(score, 4),
                    "evidence": amount,
                    "changed_at": changed_at,
                    "updated_at": last or changed_at,
                },
            )


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    roll = rng.random()
    total = 0.0
    for name, weight in weighted:
        total += weight
        if roll < total:
            return name
    return weighted[-1][0]


# ---------------------------------------------------------------------------------------- pulse


def pulse_history(
    session: DbSession,
    rng: random.Random,
    writer: Writer,
    people: list[Person],
    first: date,
    today: date,
    turnout: Mapping[str, float] | None = None,
) -> int:
    """Participation and answer counts for every round of every live pulse in the period.
    ``turnout``: each group's chance to answer a round (default: by engagement profile)."""
    rounds_written = 0
    for pulse in session.scalars(select(Pulse).where(Pulse.retired_at.is_(None))):
        questions = list(
            session.scalars(
                select(PulseQuestion)
                .where(PulseQuestion.pulse_id == pulse.id, PulseQuestion.retired_at.is_(None))
                .order_by(PulseQuestion.position)
            )
        )
        if not questions:
            continue
        for number, start in enumerate(rounds_between(pulse, first, today)):
            counts: dict[tuple[int, str, str, int], int] = defaultdict(int)
            for person in people:
                if person.created_at.date() > start:
                    continue
                chance = turnout[person.group] if turnout else PROFILES[person.profile][4]
                if rng.random() >= chance:
                    continue
                writer.add(
                    PulseParticipation.__table__,
                    {"pulse_id": pulse.id, "round_start": start, "user_id": person.id},
                )
                group = person.group
                for question in questions:
                    means = PULSE_MEANS.get(question.key)
                    if question.kind in CHOICE_KINDS:  # options: lms.pulse.demo_answers
                        for value in demo_choice(rng, question, group):
                            counts[(question.id, group, person.function, value)] += 1
                        continue
                    if question.kind == "yes-no":
                        chance_yes = means[group] if means else 0.3
                        value = 1 if rng.random() < chance_yes else 0
                    else:
                        mean = means[group] if means else 3.2
                        if question.key == "have-training":
                            mean += 0.06 * number  # training lands over time
                        value = max(1, min(5, round(rng.gauss(mean, 0.9))))
                    counts[(question.id, group, person.function, value)] += 1
            if not counts:
                continue
            rounds_written += 1
            functions = sorted({*JOB_FUNCTIONS, *(p.function for p in people)})
            writer.flush()
            add_counts(
                session,
                [
                    {
                        "pulse_id": pulse.id,
                        "question_id": question.id,
                        "round_start": start,
                        "respondent_group": group,
                        "job_function": function,
                        "value": value,
                        "count": counts.get((question.id, group, function, value), 0),
                    }
                    for question in questions
                    for group in RESPONDENT_GROUPS
                    for function in functions
                    for value in values_of(question)
                ],
            )
    return rounds_written


# ------------------------------------------------------------------------------------ the whole


@dataclass
class LargeDemoResult:
    people: int
    seconds: float
    rows: dict[str, int]
    top_email: str
    sample_logins: dict[str, str]


def existing_marker(session: DbSession) -> str | None:
    return session.scalar(select(OrgSetting.value).where(OrgSetting.key == MARKER))


def build_large_org(
    session: DbSession,
    people: int,
    seed: int,
    *,
    ceo: User,
    password_hash: str,
    today: date | None = None,
) -> LargeDemoResult:
    """Generate ``people`` people with history under ``ceo``. Flushes only; the caller commits."""
    began = clock.perf_counter()
    if people < 10:
        raise LargeDemoError("--people must be at least 10")
    marker = existing_marker(session)
    if marker is not None:
        raise LargeDemoError(
            f"a large demo organisation already exists ({marker}); start from an empty database "
            "to build another"
        )
    catalogue = load_catalogue(session)
    if not catalogue:
        raise LargeDemoError("no published courses: publish the courses first")
    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    today = today or datetime.now().date()
    now = datetime.combine(today, time(12, 0))
    start = datetime.combine(today - timedelta(weeks=HISTORY_WEEKS), time(8, 0))
    writer = Writer(session)

    first_id = next_id(session, User.__table__)
    generated = build_people(rng, people, first_id, ceo.id, start)
    for person in generated:
        writer.add(
            User.__table__,
            {
                "id": person.id,
                "email": person.email,
                "name": person.name,
                "job_function": person.function,
                "title": person.title,
                "manager_id": person.manager_id,
                "active": True,
                "is_author": False,
                "is_admin": False,
                "is_executive": person.is_executive,
                "password_hash": password_hash,
                "created_at": person.created_at,
                "last_login_at": None,
            },
        )
    writer.flush()

    by_id = {person.id: person for person in generated}
    history = History(session, rng, writer, catalogue, start, now)

    # Assignments: every department head assigns responsible AI use to the department in week 6;
    # a third of the managers assign their function's course to their direct reports.
    assigned: dict[int, dict[str, tuple[datetime, date, int, str]]] = defaultdict(dict)
    by_department: dict[str, list[Person]] = defaultdict(list)
    for person in generated:
        by_department[person.department].append(person)
    # The course written for a function (its audience names the function).
    role_course = {c.slug: c for c in catalogue if set(c.audience) <= set(JOB_FUNCTIONS)}
    for _department, members in sorted(by_department.items()):
        head = next((p for p in members if p.is_executive), None)
        if head is None or "responsible-ai-use" not in history.by_slug:
            continue
        created = start + timedelta(weeks=6, hours=rng.randint(0, 48))
        due = (created + timedelta(weeks=4)).date()
        for member in members:
            if member.id != head.id and member.created_at < created:
                assigned[member.id]["responsible-ai-use"] = (
                    created,
                    due,
                    head.id,
                    "Everyone in the department by the end of the month.",
                )
    for person in generated:
        if not person.reports or person.is_executive or rng.random() > 0.33:
            continue
        fitting = sorted(slug for slug, c in role_course.items() if person.function in c.audience)
        if not fitting:
            continue
        slug = fitting[0]
        created = history.moment(start + timedelta(weeks=4), now - timedelta(days=3))
        due = (created + timedelta(days=rng.choice([14, 21, 28, 35]))).date()
        for report in person.reports:
            if by_id[report].created_at < created:
                assigned[report].setdefault(
                    slug, (created, due, person.id, "Part of our team plan for AI this quarter.")
                )

    for person in generated:
        history.person(person, assigned.get(person.id, {}))
    writer.flush()
    for row in history.assignments:
        writer.add(Assignment.__table__, row)
    pulse_history(session, rng, writer, generated, start.date(), today)
    writer.flush()
    fix_sequences(session, [User.__table__, Attempt.__table__])
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the planner: right after a bulk load they say the tables are
        # nearly empty, and the first pages would pick nested loops over 40,000 rows.
        session.execute(text("ANALYZE"))

    session.add(OrgSetting(key=MARKER, value=f"people={people} seed={seed}"))
    session.flush()
    for back in range(HISTORY_WEEKS, -1, -1):
        take_snapshot(session, week_start(today) - timedelta(weeks=back))
    writer.counts["org_snapshots"] = HISTORY_WEEKS + 1

    heads = [p for p in generated if p.is_executive]
    managers = sorted(
        (p for p in generated if p.reports and not p.is_executive),
        key=lambda p: (-len(p.reports), p.id),
    )
    employees = [p for p in generated if not p.reports]
    samples = {
        "department head": heads[0].email,
        "manager": managers[0].email if managers else heads[0].email,
        "employee": employees[0].email,
    }
    return LargeDemoResult(
        people=len(generated),
        seconds=clock.perf_counter() - began,
        rows=dict(writer.counts),
        top_email=ceo.email,
        sample_logins=samples,
    )


# ------------------------------------------------------------------------ the small demo's data


def _people_from_users(users: list[User]) -> list[Person]:
    ids = {user.id for user in users}
    reports: dict[int, list[int]] = defaultdict(list)
    for user in users:
        if user.manager_id in ids:
            reports[user.manager_id].append(user.id)
    return [
        Person(
            id=user.id,
            email=user.email,
            name=user.name,
            function=user.job_function,
            title=user.title,
            manager_id=user.manager_id,
            is_executive=user.is_executive,
            created_at=user.created_at,
            depth=0,
            department="",
            reports=reports.get(user.id, []),
        )
        for user in users
    ]


def seed_demo_extras(
    session: DbSession, emails: list[str], logins: list[str], today: date | None = None
) -> list[str]:
    """Give the small demo organisation something for every dashboard and every demo login to
    show. Once: six months of generated learning for the demo people who are not in the story,
    the story of the demo logins and their colleagues (``lms.demo_story``: assignments, kudos,
    the wall), pulse answers. Every time: badges and certificates due, and twelve weekly
    snapshots (retaken). Flushes only."""
    from lms.demo_story import SCRIPTED, award_what_is_due, tell_story

    today = today or utcnow().date()
    # History ends at the start of today, so nothing generated lies ahead of the clock.
    now = datetime.combine(today, time(0, 0))
    start = datetime.combine(today - timedelta(weeks=HISTORY_WEEKS), time(8, 0))
    done: list[str] = []
    users = list(session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id)))
    ids = [user.id for user in users]
    learners = [user for user in users if user.email not in SCRIPTED]
    has_history = session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.user_id.in_([u.id for u in learners]))
    )
    catalogue = [] if has_history else load_catalogue(session)
    if catalogue:
        _generate_history(session, users, learners, catalogue, (start, now))
        done.append(f"learning history for {len(learners)} demo people")
    done.extend(tell_story(session, emails, today))
    if catalogue:
        people = [p for p in _people_from_users(users) if p.email not in logins]
        pulse_history(
            session,
            random.Random(2025),  # noqa: S311  (demo data, not secrets)
            Writer(session),
            people,
            start.date(),
            today,
            TURNOUT,
        )
        done.append("pulse answers")
    badges, certificates = award_what_is_due(session, ids)
    if badges or certificates:
        done.append(f"{badges} badges and {certificates} certificates awarded")
    for back in range(11, -1, -1):
        take_snapshot(session, week_start(today) - timedelta(weeks=back))
    done.append("12 weekly snapshots")
    session.flush()
    return done


# The small demo's pulse turnout per group: a small company where most people answer, so every
# released round has enough employees, and enough executives and managers together, to show.
TURNOUT = {"executive": 0.9, "manager": 0.85, "employee": 0.75}


def _generate_history(
    session: DbSession,
    users: list[User],
    learners: list[User],
    catalogue: list[CourseInfo],
    period: tuple[datetime, datetime],
) -> None:
    from lms.demo_story import settle_new_joiners

    start, now = period
    joined = start - timedelta(days=200)
    # The demo people have worked here for a while (their history starts before today), except
    # the new joiners.
    session.execute(
        update(User)
        .where(User.id.in_([user.id for user in users]), User.created_at > joined)
        .values(created_at=joined)
        .execution_options(synchronize_session=False)
    )
    settle_new_joiners(session, now.date())
    session.expire_all()
    rng = random.Random(2024)  # noqa: S311  (demo data, not secrets)
    writer = Writer(session)
    history = History(session, rng, writer, catalogue, start, now)
    wanted = {user.id for user in learners}
    for person in _people_from_users(users):
        if person.id in wanted:
            history.person(person, {})
    writer.flush()
    fix_sequences(session, [Attempt.__table__])
    session.flush()
