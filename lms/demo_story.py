"""The demo's story: what the demo logins and a few of their colleagues did in the last months.

``flask lms demo`` gives most demo people six months of generated history (``lms.demo_large``).
The demo logins, and the three people in Maya's team a manager should act on, get a written
script instead, so that every login's first screen has something to show and to do:

- Eli (employee) took the baseline, completed AI foundations (badge and certificate), is halfway
  through Working with AI, and has Checking AI output assigned by Maya, due in ten days;
- Maya (manager) completed two courses and is working on Leading AI adoption; her CTO sent her
  kudos; in her team Ken is overdue on an assignment, Jonas stalled seven weeks ago and Tariq, who
  joined less than three weeks ago, has not started;
- Alex (executive and admin) completed AI strategy for executives, shows the leaders' learning to
  everyone and has started Working with AI;
- Ada (author) completed AI foundations and is writing a new course on AI meeting assistants.

Every step goes through the real services, as the pages would call them: enrolling, marking modules
read, knowledge checks and final quizzes started and scored by ``lms.learn.quiz`` (levels come from
the answers), badges and certificates from the ``learning_progressed`` signal, assignments, kudos,
recognition settings, the author workspace. The services date what they record "now", so each step
runs now and is then moved back to the day the script gives (:func:`happened`): the rows written
during the step are shifted by the same amount, so they keep their order and their gaps, and a
level's recency weighting sees the same distances as on the day.

Deterministic: answers come from a random generator seeded per person, and every day is relative to
``today``. Runs once (the ``demo_story`` organisation setting records it); someone who already has
learning history (a demo database set up by an older version) keeps it and is left out.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime, Table, and_, bindparam, func, or_, select, update

from lms.activity.models import ActivityEvent
from lms.assessment.draw import option_order
from lms.courses.models import Course, CourseVersion, ModuleVersion, QuestionVersion
from lms.database import DbSession
from lms.extensions import db
from lms.learn.models import Attempt, Enrolment
from lms.literacy.models import LevelChange
from lms.org.models import OrgSetting
from lms.people.models import User, utcnow
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import BadgeAward

MARKER = "demo_story"

ELI = "eli.employee@example.com"
MAYA = "maya.manager@example.com"
ADA = "ada.author@example.com"
ALEX = "alex.exec@example.com"
# Maya's team members she should act on. Jonas and Tariq take part in nothing else of the demo
# (other features' demo data leave them alone), so nothing keeps them off her list.
JONAS = "jonas.dev@example.com"  # stalled
TARIQ = "tariq.dev@example.com"  # joined recently, has not started
KEN = "ken.dev@example.com"  # overdue
NOAH = "noah.dev@example.com"
SCRIPTED = (ELI, MAYA, ADA, ALEX, JONAS, TARIQ, KEN)
# Tariq joined the company this many days ago (so he answered no pulse round before that).
NEW_JOINERS = {TARIQ: 18}

# A right answer's chance by the question's difficulty, before the person's own strengths.
CHANCE = {1: 0.9, 2: 0.78, 3: 0.6}
# Per person: an overall offset and offsets per competency area.
STRENGTHS: dict[str, tuple[float, dict[str, float]]] = {
    ELI: (0.04, {"directing": 0.12, "delegation": 0.06, "context": -0.2, "responsible": -0.12}),
    MAYA: (0.1, {"leading": 0.1, "evaluating": 0.06}),
    ALEX: (0.06, {"leading": 0.16, "context": 0.12, "directing": -0.18}),
    ADA: (0.1, {"responsible": 0.12, "foundations": 0.06, "directing": -0.1}),
    JONAS: (0.0, {}),
    KEN: (-0.06, {"responsible": -0.1}),
}

# Who lets colleagues see their badges, certificates and kudos (the wall and their profile):
# most people, not everyone.
KEEP_PRIVATE = {
    JONAS,
    TARIQ,
    KEN,
    "jo.coo@example.com",
    "felix.fin@example.com",
    "lucas.legal@example.com",
    "amy.sales@example.com",
    "yusuf.cs@example.com",
    "hana.hr@example.com",
}

# (days ago, time, sender, recipient, message): recognition tied to real work.
KUDOS = [
    (
        24,
        "16:10",
        MAYA,
        ELI,
        "Thanks for showing the team how you check the assistant's code suggestions against our "
        "tests before merging. Two bugs caught already.",
    ),
    (
        22,
        "11:25",
        "tom.ops@example.com",
        "ivy.ops@example.com",
        "The supplier comparison you drafted with AI and then verified line by line saved us a "
        "week on the tender.",
    ),
    (
        19,
        "15:00",
        "sara.sales@example.com",
        "ben.sales@example.com",
        "Your AI-assisted account research for the pipeline review was thorough, and every figure "
        "was checked against the CRM. Great work.",
    ),
    (
        15,
        "10:40",
        "ravi.lead@example.com",
        "zoe.dev@example.com",
        "Great catch on the invented package name in that generated migration script. Exactly the "
        "kind of check we need.",
    ),
    (
        13,
        "14:05",
        "dan.mkt@example.com",
        "ella.mkt@example.com",
        "Your way of writing blog drafts (AI for the first draft, then sources checked and our "
        "voice restored) is now the team standard.",
    ),
    (
        11,
        "09:50",
        "jo.coo@example.com",
        ADA,
        "The AI for HR course is landing really well with the people partners. Thank you for "
        "keeping it so practical.",
    ),
    (
        9,
        "17:20",
        "felix.fin@example.com",
        "mia.fin@example.com",
        "You checked the AI-prepared reconciliation against the source data before sending it and "
        "caught two errors. Exactly right.",
    ),
    (
        8,
        "12:15",
        "priya.cto@example.com",
        MAYA,
        "Your team's review checklist for AI-generated code is now used across engineering. Thank "
        "you for leading by example.",
    ),
    (
        6,
        "16:45",
        "carla.cs@example.com",
        "nina.cs@example.com",
        "Thanks for flagging the chatbot answer that quoted the old refund policy. Customers got "
        "the right answer because of you.",
    ),
    (
        5,
        "10:00",
        ALEX,
        "sam.cro@example.com",
        "Thank you for bringing the sales leads into the AI strategy sessions and sharing what "
        "actually works with customers.",
    ),
    (
        4,
        "15:30",
        MAYA,
        NOAH,
        "Thanks for pairing with Tariq in his first weeks and walking him through our AI tools "
        "policy.",
    ),
]

DRAFT_SLUG = "ai-meeting-assistants"
DRAFT_COURSE = """\
---
title: AI meeting assistants
summary: Use AI note-takers and meeting summaries well - ask for consent, check what the summary \
says before you send it, and keep confidential meetings out of the tools.
audience: [everyone]
competencies: [responsible, evaluating]
target_level: 1
estimated_minutes: 40
prerequisites: [ai-foundations]
---

## Who this course is for

Everyone who runs or joins meetings where an AI assistant takes notes, writes the summary or
lists the actions.

## What you will be able to do afterwards

- Ask for consent before an AI assistant records a meeting, and know when not to use one.
- Check an AI summary against what was decided before it goes out.
- Keep confidential and personal topics out of recorded meetings.
"""
DRAFT_MODULE = """\
---
title: Before the meeting starts
competencies: [responsible]
estimated_minutes: 10
---

An AI note-taker records everyone in the room, not only you. Before you switch one on, say so,
and ask whether anyone objects.

## Three questions before you record

1. Does everyone know the meeting is recorded and summarised?
2. Is the topic confidential, personal or about someone who is not there?
3. Is the tool approved for this kind of meeting?
"""
DRAFT_SECOND_MODULE = """\
---
title: Checking the summary
competencies: [evaluating]
estimated_minutes: 10
---

Notes to write up: decisions the summary invents, actions given to the wrong person, numbers
heard wrong; read it before you send it.
"""


# ------------------------------------------------------------------------------ moving in time


def _people_tables() -> list[tuple[Table, list[str]]]:
    """Every table with a person's rows and a date-time (the person columns to filter on)."""
    found = []
    for table in db.metadata.sorted_tables:
        owners = [name for name in ("user_id", "recipient_id", "author_id") if name in table.c]
        if owners and table.name != "users" and _times(table):
            found.append((table, owners))
    return found


def _times(table: Table) -> list[str]:
    # A due date is a plan, not something that happened: it stays where it was set.
    return [
        column.name
        for column in table.c
        if isinstance(column.type, DateTime) and column.name != "due_at"
    ]


class Timeline:
    """Steps run now, one after the other, each remembered with the moment it stands for; then
    :meth:`settle` moves what they wrote back to those moments, in one pass over the tables.

    A time that falls within a step's run moves back by that step's distance; a later time in the
    same row (a quiz's deadline) moves with the row. Rows keep their order and gaps within a step.
    While the steps run everything is "now", so nothing in them may depend on the gaps between
    steps (no quiz retries after a cool-down); the badges that do (a learning streak) are awarded
    after :meth:`settle` (``award_what_is_due``).
    """

    def __init__(self, session: DbSession, people: Sequence[int]) -> None:
        self.session = session
        self.people = list(people)
        self.windows: list[tuple[datetime, datetime, timedelta]] = []  # began, ended, shift

    @contextmanager
    def at(self, when: datetime) -> Iterator[None]:
        self.session.flush()
        began = utcnow()
        yield
        self.session.flush()
        self.windows.append((began, utcnow(), began - when))

    def shift_for(self, value: datetime) -> timedelta | None:
        index = bisect_right(self.windows, value, key=lambda window: window[0]) - 1
        if index >= 0 and value <= self.windows[index][1]:
            return self.windows[index][2]
        return None

    def settle(self) -> None:
        if not self.windows:
            return
        for table, owners in _people_tables():
            self._settle_table(table, owners)
        self.windows = []
        self.session.expire_all()

    def _settle_table(self, table: Table, owners: list[str]) -> None:
        names = _times(table)
        keys = list(table.primary_key.columns)
        first = self.windows[0][0]
        rows = self.session.execute(
            select(*keys, *(table.c[name] for name in names)).where(
                or_(*(table.c[owner].in_(self.people) for owner in owners)),
                or_(*(table.c[name] >= first for name in names)),
            )
        ).all()
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            times = dict(zip(names, row[len(keys) :], strict=True))
            shifts = {name: self.shift_for(value) for name, value in times.items() if value}
            row_shift = next((shift for shift in shifts.values() if shift is not None), None)
            if row_shift is None:
                continue  # written outside the steps
            values = {
                f"new_{name}": value - (shifts.get(name) or row_shift)  # a shift is never zero
                for name, value in times.items()
                if value is not None and value >= first
            }
            bound = {f"key_{index}": row[index] for index in range(len(keys))}
            updates.setdefault(tuple(sorted(values)), []).append({**bound, **values})
        for columns, parameters in updates.items():
            self.session.execute(
                update(table)
                .where(*(key == bindparam(f"key_{index}") for index, key in enumerate(keys)))
                .values({name[4:]: bindparam(name) for name in columns})
                .execution_options(synchronize_session=False),
                parameters,
            )


# ------------------------------------------------------------------------------------ learners


class Story:
    """The scripted people and what they can do; each method is one thing a person did."""

    def __init__(self, session: DbSession, today: date, users: dict[str, User]) -> None:
        self.session = session
        self.today = today
        self.users = users
        self.rngs = {email: random.Random(f"demo-story:{email}") for email in users}  # noqa: S311
        self.timeline = Timeline(session, [user.id for user in users.values()])
        self.clock = datetime.combine(today, time(0, 0))
        self.last_answer: dict[str, datetime] = {}

    def run(self, step: Step) -> None:
        """One step of the script, on its day and time."""
        day = self.today - timedelta(days=step.days_ago)
        self.clock = datetime.combine(day, time.fromisoformat(step.at))
        step.do()

    def later(self, minutes: float = 0) -> AbstractContextManager[None]:
        """What follows happens ``minutes`` after the previous thing."""
        self.clock += timedelta(minutes=minutes)
        return self.timeline.at(self.clock)

    def course(self, slug: str) -> tuple[Course, CourseVersion]:
        from lms.learn.service import get_published

        found = get_published(self.session, slug)
        if found is None:
            raise LookupError(f"the demo needs the course {slug}")
        return found

    def baseline(self, email: str, ratings: dict[str, int]) -> None:
        from lms.learn.baseline import areas_for, record_self_ratings
        from lms.learn.quiz import start_baseline

        user = self.users[email]
        with self.later():
            areas = areas_for(self.session, user)
            record_self_ratings(self.session, user, {a: ratings.get(a, 1) for a in areas})
            attempt = start_baseline(self.session, user, self.rngs[email])
        self.answer(user, attempt, must_pass=False, minutes=14)

    def enrol(self, email: str, slug: str) -> None:
        from lms.learn.service import enrol

        with self.later():
            enrol(self.session, self.users[email], self.course(slug)[0])

    def read(self, email: str, slug: str, first: int, last: int | None = None) -> None:
        """Read modules ``first`` to ``last`` (1-based, both included) and pass their checks."""
        from lms.learn.quiz import start_check
        from lms.learn.service import mark_read, maybe_complete_course

        user = self.users[email]
        course, version = self.course(slug)
        modules = self.session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.course_version_id == version.id)
            .order_by(ModuleVersion.position)
        ).all()
        for module in modules[first - 1 : last or first]:
            with self.later(module.estimated_minutes):
                mark_read(self.session, user, course, module, module.module.slug)
            if module.question_count:
                with self.later(1):
                    attempt = start_check(self.session, user, course, version, module.module_id)
                    self._shuffle(attempt, self.rngs[email])
                self.answer(user, attempt, must_pass=True, minutes=3)
            with self.later():
                maybe_complete_course(self.session, user.id, course, version)
            self.clock += timedelta(minutes=2)  # a break before the next module

    def quiz(self, email: str, slug: str) -> None:
        from lms.learn.quiz import start_quiz

        user = self.users[email]
        course, version = self.course(slug)
        with self.later():
            attempt = start_quiz(self.session, user, course, version, self.rngs[email])
        self.answer(user, attempt, must_pass=True, minutes=11)

    def answer(self, user: User, attempt: Attempt, *, must_pass: bool, minutes: float) -> None:
        """Answer like this person would (right by the question's difficulty and their strengths),
        through the scoring service; ``must_pass``: the script needs a pass, so the easiest of the
        questions they got wrong are answered right until the pass mark is reached."""
        from lms.learn.quiz import attempt_questions, submit_attempt

        rng = self.rngs[user.email]
        questions = attempt_questions(self.session, attempt)
        right = {q.id for q in questions if rng.random() < self.chance(user.email, q)}
        if must_pass:
            needed = math.ceil(attempt.pass_mark * len(questions) / 100)
            missed = sorted(
                (q for q in questions if q.id not in right), key=lambda q: (q.difficulty, q.id)
            )
            for question in missed[: max(0, needed - len(right))]:
                right.add(question.id)
        answers = {
            q.id: sorted(q.correct_keys) if q.id in right else _wrong(q, rng) for q in questions
        }
        with self.later(minutes):
            submit_attempt(self.session, user, attempt, answers)
        self.last_answer[user.email] = self.clock

    def settle_levels(self) -> None:
        """Levels once more, now that the answers lie where they belong in time: while the steps
        ran, every answer was minutes old, so the recency weighting saw no gaps. As at each
        person's last answer (what ``lms levels recompute`` would find changes nothing)."""
        from lms.literacy.service import recompute_people

        for email, last in sorted(self.last_answer.items()):
            self.clock = last
            with self.later(1):
                recompute_people(self.session, [self.users[email].id])
        self.timeline.settle()

    def chance(self, email: str, question: QuestionVersion) -> float:
        overall, areas = STRENGTHS.get(email, (0.0, {}))
        value = CHANCE.get(question.difficulty, 0.75) + overall + areas.get(question.competency, 0)
        return max(0.05, min(0.98, value))

    def _shuffle(self, attempt: Attempt, rng: random.Random) -> None:
        """A knowledge check's option order from the person's generator (the service draws it
        from the system's), so the demo is the same on every run."""
        questions = {
            q.id: q
            for q in self.session.scalars(
                select(QuestionVersion).where(QuestionVersion.id.in_(attempt.question_version_ids))
            )
        }
        orders = {}
        for question_id in attempt.question_version_ids:
            question = questions[question_id]
            keys = [option["key"] for option in question.options]
            shuffled = question.type != "true-false"
            orders[str(question_id)] = (
                option_order(keys, question.pin_last, rng) if shuffled else keys
            )
        attempt.option_orders = orders

    def assign(
        self, manager: str, slug: str, emails: Sequence[str], due_in_days: int, note: str
    ) -> None:
        from lms.assignments.service import assign_course

        people = [self.users[email].id for email in emails]
        due = self.today + timedelta(days=due_in_days)
        course = self.course(slug)[0]
        with self.later():
            assign_course(self.session, self.users[manager], course, people, due, note)

    def kudos(self, sender: str, recipient: str, message: str) -> None:
        from lms.recognition.kudos import send_kudos

        person = self.users[recipient]
        url = f"/people/{person.id}/profile#kudos"  # where the kudos page's notification leads
        with self.later():
            send_kudos(self.session, self.users[sender], person.id, message, url)

    def show_leaders(self, email: str) -> None:
        """The CEO shows the leaders' own learning to everyone (unless an admin decided)."""
        from lms.org.service import SHOW_LEADERS, get_setting, set_setting

        if get_setting(self.session, SHOW_LEADERS) is None:
            with self.later():
                set_setting(self.session, SHOW_LEADERS, "on", self.users[email])

    def start_draft(self, email: str) -> None:
        from lms.authoring.service import delete_file, new_course_draft, save_file

        with self.later():
            draft, created = new_course_draft(self.session, self.users[email], DRAFT_SLUG)
        if created:
            with self.later(25):
                save_file(self.session, draft, "course.md", DRAFT_COURSE)
                save_file(self.session, draft, "01-before-the-meeting.md", DRAFT_MODULE)
                if "01-introduction.md" in draft.files:  # the new draft's example module
                    delete_file(self.session, draft, "01-introduction.md")

    def continue_draft(self, email: str) -> None:
        from lms.authoring.models import CourseDraft
        from lms.authoring.service import save_file

        draft = self.session.scalar(
            select(CourseDraft).where(
                CourseDraft.author_id == self.users[email].id, CourseDraft.slug == DRAFT_SLUG
            )
        )
        if draft is not None and "02-checking-the-summary.md" not in draft.files:
            with self.later():
                save_file(self.session, draft, "02-checking-the-summary.md", DRAFT_SECOND_MODULE)


def _wrong(question: QuestionVersion, rng: random.Random) -> list[str]:
    """A believable wrong answer: a distractor, or for choose-all questions one right option
    missed (or a distractor ticked too)."""
    right = sorted(question.correct_keys)
    wrong = [option["key"] for option in question.options if option["key"] not in right]
    if not question.multiple_answers:
        return [rng.choice(wrong)] if wrong else []
    if len(right) > 1:
        return [key for key in right if key != rng.choice(right)]
    return sorted([*right, rng.choice(wrong)]) if wrong else []


# -------------------------------------------------------------------------------------- script


REST = 99  # read(..., first, REST): from ``first`` to the course's last module


@dataclass(frozen=True)
class Step:
    days_ago: int
    at: str  # HH:MM (UTC)
    who: str  # whose learning this is: left out when they have history already
    do: Callable[[], None]


def script(s: Story) -> list[Step]:
    """Everything the scripted people did, in any order (it runs oldest first)."""
    return [
        *_eli(s),
        *_maya(s),
        *_team(s),
        *_alex(s),
        *_ada(s),
        *[Step(days, at, "", _send(s, *kudos)) for days, at, *kudos in KUDOS],
    ]


def _send(s: Story, sender: str, recipient: str, message: str) -> Callable[[], None]:
    return lambda: s.kudos(sender, recipient, message)


def _eli(s: Story) -> list[Step]:
    ratings = {"foundations": 2, "delegation": 2, "directing": 3, "evaluating": 2}
    return [
        Step(45, "09:40", ELI, lambda: s.baseline(ELI, {**ratings, "responsible": 2})),
        Step(43, "10:15", ELI, lambda: s.enrol(ELI, "ai-foundations")),
        Step(43, "10:20", ELI, lambda: s.read(ELI, "ai-foundations", 1)),
        Step(40, "14:30", ELI, lambda: s.read(ELI, "ai-foundations", 2)),
        Step(36, "09:05", ELI, lambda: s.read(ELI, "ai-foundations", 3)),
        Step(33, "16:50", ELI, lambda: s.read(ELI, "ai-foundations", 4)),
        Step(29, "11:10", ELI, lambda: s.read(ELI, "ai-foundations", 5, REST)),
        Step(27, "13:35", ELI, lambda: s.quiz(ELI, "ai-foundations")),
        Step(16, "10:00", ELI, lambda: s.enrol(ELI, "working-with-ai")),
        Step(16, "10:05", ELI, lambda: s.read(ELI, "working-with-ai", 1)),
        Step(9, "15:20", ELI, lambda: s.read(ELI, "working-with-ai", 2)),
        Step(3, "09:30", ELI, lambda: s.read(ELI, "working-with-ai", 3)),
    ]


def _maya(s: Story) -> list[Step]:
    ratings = {"foundations": 3, "delegation": 3, "directing": 2, "evaluating": 3, "leading": 3}
    return [
        Step(120, "08:50", MAYA, lambda: s.baseline(MAYA, {**ratings, "responsible": 2})),
        Step(118, "12:30", MAYA, lambda: s.enrol(MAYA, "ai-foundations")),
        Step(118, "12:35", MAYA, lambda: s.read(MAYA, "ai-foundations", 1, 2)),
        Step(111, "17:10", MAYA, lambda: s.read(MAYA, "ai-foundations", 3, REST)),
        Step(110, "08:45", MAYA, lambda: s.quiz(MAYA, "ai-foundations")),
        Step(84, "13:00", MAYA, lambda: s.enrol(MAYA, "working-with-ai")),
        Step(84, "13:05", MAYA, lambda: s.read(MAYA, "working-with-ai", 1, 2)),
        Step(75, "18:15", MAYA, lambda: s.read(MAYA, "working-with-ai", 3, REST)),
        Step(70, "09:20", MAYA, lambda: s.quiz(MAYA, "working-with-ai")),
        Step(21, "12:40", MAYA, lambda: s.enrol(MAYA, "leading-ai-adoption")),
        Step(21, "12:45", MAYA, lambda: s.read(MAYA, "leading-ai-adoption", 1)),
        Step(6, "08:15", MAYA, lambda: s.read(MAYA, "leading-ai-adoption", 2)),
    ]


def _team(s: Story) -> list[Step]:
    """Maya's team: Jonas stalled, Ken overdue on Ravi's assignment, Tariq new and not started."""
    return [
        Step(150, "10:00", JONAS, lambda: s.baseline(JONAS, {"directing": 2, "evaluating": 2})),
        Step(58, "14:00", JONAS, lambda: s.enrol(JONAS, "working-with-ai")),
        Step(57, "09:45", JONAS, lambda: s.read(JONAS, "working-with-ai", 1)),
        Step(50, "16:20", JONAS, lambda: s.read(JONAS, "working-with-ai", 2)),
        Step(100, "09:30", KEN, lambda: s.baseline(KEN, {"directing": 2, "delegation": 2})),
        Step(
            26,
            "09:00",
            "",
            lambda: s.assign(
                "ravi.lead@example.com",
                "responsible-ai-use",
                ["zoe.dev@example.com", KEN],
                -5,
                "Needed before anyone uses AI with customer data.",
            ),
        ),
        Step(19, "11:30", KEN, lambda: s.read(KEN, "responsible-ai-use", 1)),
        Step(
            12,
            "10:30",
            "",
            lambda: s.assign(
                MAYA,
                "checking-ai-output",
                [ELI, NOAH, TARIQ],
                10,
                "Before we roll out the new coding assistant to the team.",
            ),
        ),
    ]


def _alex(s: Story) -> list[Step]:
    ratings = {"foundations": 3, "delegation": 3, "directing": 2, "evaluating": 3, "leading": 4}
    course = "ai-strategy-for-executives"
    return [
        Step(90, "07:45", ALEX, lambda: s.baseline(ALEX, {**ratings, "context": 3})),
        Step(88, "08:00", ALEX, lambda: s.enrol(ALEX, course)),
        Step(88, "08:05", ALEX, lambda: s.read(ALEX, course, 1, 2)),
        Step(81, "07:30", ALEX, lambda: s.read(ALEX, course, 3)),
        Step(74, "19:10", ALEX, lambda: s.read(ALEX, course, 4, REST)),
        Step(73, "07:40", ALEX, lambda: s.quiz(ALEX, course)),
        Step(72, "09:00", ALEX, lambda: s.show_leaders(ALEX)),
        Step(10, "07:20", ALEX, lambda: s.enrol(ALEX, "working-with-ai")),
        Step(10, "07:25", ALEX, lambda: s.read(ALEX, "working-with-ai", 1)),
    ]


def _ada(s: Story) -> list[Step]:
    ratings = {"foundations": 3, "responsible": 3, "context": 3, "evaluating": 2}
    return [
        Step(70, "10:10", ADA, lambda: s.baseline(ADA, {**ratings, "directing": 2})),
        Step(66, "09:00", ADA, lambda: s.enrol(ADA, "ai-foundations")),
        Step(66, "09:05", ADA, lambda: s.read(ADA, "ai-foundations", 1, 3)),
        Step(63, "15:45", ADA, lambda: s.read(ADA, "ai-foundations", 4, REST)),
        Step(62, "14:20", ADA, lambda: s.quiz(ADA, "ai-foundations")),
        Step(6, "13:30", ADA, lambda: s.start_draft(ADA)),
        Step(1, "16:40", ADA, lambda: s.continue_draft(ADA)),
    ]


# ---------------------------------------------------------------------------------- the whole


def tell_story(session: DbSession, emails: Sequence[str], today: date) -> list[str]:
    """Run the script once (flushes only). Returns what was done, for the command's output."""
    if session.get(OrgSetting, MARKER) is not None:
        return []
    users = {
        user.email: user
        for user in session.scalars(select(User).where(User.email.in_(list(emails))))
    }
    if not set(SCRIPTED) <= set(users):
        return []
    with_history = set(
        session.scalars(
            select(User.email)
            .join(Attempt, Attempt.user_id == User.id)
            .where(User.email.in_(SCRIPTED))
            .group_by(User.email)
        )
    )
    story = Story(session, today, users)
    steps = [step for step in script(story) if step.who not in with_history]
    for step in sorted(steps, key=lambda step: (-step.days_ago, step.at)):
        story.run(step)
    story.timeline.settle()
    story.settle_levels()
    _settings(session, users.values())
    session.add(OrgSetting(key=MARKER, value=today.isoformat()))
    session.flush()
    told = sorted({step.who for step in steps if step.who})
    return [f"a story for {len(told)} demo people and {len(KUDOS)} kudos"]


def _settings(session: DbSession, users: Iterable[User]) -> None:
    """Most people show their badges and kudos on the wall and their profile (anyone who already
    chose keeps their choice)."""
    from lms.recognition.models import RecognitionSettings
    from lms.recognition.wall import save_settings

    for user in users:
        if session.get(RecognitionSettings, user.id) is None:
            shown = user.email not in KEEP_PRIVATE
            save_settings(session, user.id, show_on_wall=shown, show_on_profile=shown)


def settle_new_joiners(session: DbSession, today: date) -> None:
    """New joiners' start dates (before their history is generated)."""
    for email, days in NEW_JOINERS.items():
        session.execute(
            update(User)
            .where(User.email == email)
            .values(created_at=datetime.combine(today - timedelta(days=days), time(9, 0)))
            .execution_options(synchronize_session=False)
        )


# ------------------------------------------------------------------------------------- awards


def award_what_is_due(session: DbSession, user_ids: Sequence[int]) -> tuple[int, int]:
    """Award these people every badge and certificate their history earned, as ``lms badges
    evaluate`` and ``lms badges certificates`` do (generated history is written in bulk, so no
    signal awarded them). A new award is dated when the person qualified (the course completion,
    the baseline, the level reached, the week that completed the streak) rather than today, so
    the wall reads like the months it covers. Returns (badges, certificates). Flushes only."""
    from lms.recognition.certificates import issue_certificate
    from lms.recognition.service import due_badges, grant, live_rules, people_batches

    rules = live_rules(session)
    awarded = 0
    for batch in people_batches(session, user_ids, 500):
        for due in due_badges(session, batch, rules):
            award = grant(session, due)
            if award is None:
                continue
            awarded += 1
            when = _qualified_at(session, due.user_id, due.evidence, due.rule.criteria)
            if when is not None:
                _backdate_award(session, award, when)
    missing = session.execute(
        select(Enrolment.user_id, Enrolment.course_id)
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == Enrolment.user_id,
                Certificate.course_id == Enrolment.course_id,
            ),
        )
        .where(
            Enrolment.user_id.in_(user_ids),
            Enrolment.completed_at.is_not(None),
            Certificate.id.is_(None),
        )
        .order_by(Enrolment.id)
    ).all()
    certificates = sum(
        1 for user_id, course_id in missing if issue_certificate(session, user_id, course_id)
    )
    session.flush()
    return awarded, certificates


def _backdate_award(session: DbSession, award: BadgeAward, when: datetime) -> None:
    from lms.notifications.models import Notification
    from lms.recognition.service import award_path

    award.awarded_at = when
    session.execute(
        update(Notification)
        .where(
            Notification.user_id == award.user_id, Notification.url == award_path(award.public_id)
        )
        .values(created_at=when)
        .execution_options(synchronize_session=False)
    )


def _qualified_at(
    session: DbSession, user_id: int, evidence: dict[str, Any], criteria: dict[str, Any]
) -> datetime | None:
    """When the person met the rule, from what the database records (None: not known)."""
    if "course" in evidence or "courses" in evidence:
        slugs = [evidence["course"]] if "course" in evidence else list(evidence["courses"])
        return session.scalar(
            select(func.max(Enrolment.completed_at))
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user_id, Course.slug.in_(slugs))
        )
    if "baseline" in evidence:
        return session.scalar(
            select(func.min(Attempt.submitted_at)).where(
                Attempt.user_id == user_id, Attempt.kind == "baseline"
            )
        )
    if "competency" in evidence:
        return session.scalar(
            select(func.min(LevelChange.changed_at)).where(
                LevelChange.user_id == user_id,
                LevelChange.competency == evidence["competency"],
                LevelChange.new_level >= int(evidence["level"]),
            )
        )
    if "weeks" in evidence:
        return _streak_reached(session, user_id, int(criteria.get("weeks", 1)))
    return None


def _streak_reached(session: DbSession, user_id: int, weeks: int) -> datetime | None:
    """The first learning event of the ``weeks``-th different week with learning."""
    from lms.recognition.rules import LEARNING_VERBS

    seen: set[tuple[int, int]] = set()
    for occurred in session.scalars(
        select(ActivityEvent.occurred_at)
        .where(ActivityEvent.user_id == user_id, ActivityEvent.verb.in_(LEARNING_VERBS))
        .order_by(ActivityEvent.occurred_at)
    ):
        year, week, _ = occurred.isocalendar()
        if (year, week) not in seen:
            seen.add((year, week))
            if len(seen) >= weeks:
                return occurred
    return None
