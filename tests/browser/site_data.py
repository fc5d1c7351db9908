"""A whole site with something on every page, shared by tests/browser/test_every_page.py and
scripts/screenshots.

It is the demo (``flask lms demo``: the org chart, every shipped course, badge and pulse, six months
of history, the demo logins' story (lms.demo_story), assignments, kudos, pulse answers, weekly
snapshots), plus pages the demo does not reach: the employee completes another course (quiz result,
badge, certificate), is halfway through a knowledge check in a course with code examples, and got
kudos from the manager; the author has a draft and a published version waiting for the admin's
approval.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.authoring.service import publish_draft, save_file, start_draft
from lms.courses.models import Course, CourseVersion, ModuleVersion, QuestionVersion
from lms.courses.vocabulary import COMPETENCIES
from lms.demo import DEMO_LOGINS, DEMO_PASSWORD
from lms.extensions import db
from lms.learn.models import Attempt
from lms.learn.quiz import option_order_of
from lms.officehours.models import OfficeHoursSession
from lms.people.models import User
from lms.people.services import issue_password_token
from lms.recognition.kudos import send_kudos
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import BadgeAward, RecognitionSettings
from lms.tools.models import AiTool, ToolReport
from lms.usecases.models import UseCase
from tests.conftest import csrf_token, login

# role -> email of the demo login (the executive is the admin too).
ROLES = {
    "employee": DEMO_LOGINS["employee"],
    "manager": DEMO_LOGINS["manager"],
    "author": DEMO_LOGINS["author"],
    "executive": DEMO_LOGINS["executive/admin"],
}
PASSWORD = DEMO_PASSWORD
ALL_ROLES = ("anonymous", *ROLES)
# GET routes that are no page of their own, with the reason. Every other one must answer 200 with
# HTML for some role (tests/browser/test_every_page.py checks).
NOT_PAGES = {
    "static": "stylesheets and scripts",
    "learn.asset": "a course's images and attachments",
    "openbadges.verify": "verifies a posted credential, answers JSON",
    "recognition.my_profile": "redirects to the person's profile page",
    "auth.set_password_form": "opened through the set-password link (REDIRECTS)",
    "officehours.calendar": "a calendar file (.ics) of a session",
    "officehours.series_calendar": "a calendar file (.ics) of a series",
}
# Links that redirect to a page nothing else leads to: visited as they are (the browser follows).
REDIRECTS = {"auth.set_password_with_token"}
# Pages nobody links to that people still meet: the error page.
EXTRA_PAGES = ["/no-such-page"]
# Its badge is awarded on completion; the demo's employee completed its prerequisite (and AI
# foundations itself, so that course's quiz can't be taken again).
COMPLETED_COURSE = "responsible-ai-use"
CODE_COURSE = "working-with-ai"  # modules with code blocks
# The course the demo's employee completed in the demo itself, and a badge's name too.
DEMO_COMPLETED = "ai-foundations"
FAILED_COURSE = "checking-ai-output"  # the author fails its final quiz once
DRAFT_USE_CASE = {
    "title": "Release notes from merged pull requests",
    "task": "Turn a week of merged pull requests into release notes for customers.",
    "tool": "other",
    "other_tool": "Code assistant",
    "steps": "List the merged titles and ask for customer-facing notes grouped by feature.",
    "checks": "Every note matches a merged change; nothing unreleased is mentioned.",
    "job_function": "engineering",
    "areas": ["delegation"],
    "save": "Save as draft",
}


def build_site(app: Flask) -> dict[str, list[Any]]:
    """Set the site up in ``app``'s (empty) database; returns example values for the URL
    arguments (name -> values): every combination that answers is a page (``pages_for``)."""
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    employee = _client(app, ROLES["employee"])
    modules = _modules(app, COMPLETED_COURSE)
    _post(employee, f"/courses/{COMPLETED_COURSE}/enrol")
    for slug, questions in modules:
        _post(employee, f"/courses/{COMPLETED_COURSE}/{slug}/read")
        if questions:
            _answer(
                employee,
                app,
                _attempt(_post(employee, f"/courses/{COMPLETED_COURSE}/{slug}/check")),
            )
    quiz = _attempt(_post(employee, f"/courses/{COMPLETED_COURSE}/quiz"))
    _answer(employee, app, quiz)
    code_module = next(
        slug for slug, questions in _modules(app, CODE_COURSE, code=True) if questions
    )
    _post(employee, f"/courses/{CODE_COURSE}/enrol")
    _post(employee, f"/courses/{CODE_COURSE}/{code_module}/read")
    open_check = _attempt(_post(employee, f"/courses/{CODE_COURSE}/{code_module}/check"))
    author = _client(app, ROLES["author"])
    failed_quiz = _fail_the_quiz(author, app, FAILED_COURSE, _modules(app, FAILED_COURSE))
    # The employee has taken the baseline (its results page); the manager is part-way through.
    _baseline(employee, app, finish=True)
    open_baseline, baseline_length = _baseline(_client(app, ROLES["manager"]), app, finish=False)
    # The employee's draft use case: its edit page (lms.usecases).
    draft_case = _post(employee, "/use-cases/new", DRAFT_USE_CASE).headers["Location"]

    with app.app_context():
        people = {
            role: db.session.scalar(select(User).where(User.email == email))
            for role, email in ROLES.items()
        }
        eli, maya, ada = people["employee"], people["manager"], people["author"]
        assert eli is not None and maya is not None and ada is not None
        db.session.merge(
            RecognitionSettings(user_id=eli.id, show_on_wall=True, show_on_profile=True)
        )
        send_kudos(
            db.session, maya, eli.id, "Thanks for sharing your prompt checklist!", "/recognition"
        )
        awards = list(
            db.session.scalars(select(BadgeAward.public_id).where(BadgeAward.user_id == eli.id))
        )
        certificates = list(
            db.session.scalars(select(Certificate.public_id).where(Certificate.user_id == eli.id))
        )
        assert awards and certificates, "the employee earned no badge or certificate"
        # The author publishes a change (it waits for the admin's approval), then starts a draft.
        course = db.session.scalar(select(Course).where(Course.slug == CODE_COURSE))
        assert course is not None
        draft, _ = start_draft(db.session, ada, course)
        code_file = next(path for path in sorted(draft.files) if code_module in path)
        save_file(db.session, draft, code_file, draft.files[code_file] + "\nOne more line.\n")
        pending = publish_draft(db.session, draft, ada).version.id
        draft, _ = start_draft(db.session, ada, course)
        draft_id = draft.id
        # Someone invited who has not set a password yet: the set-password page.
        newcomer = db.session.scalar(select(User).where(User.email == "noah.dev@example.com"))
        assert newcomer is not None
        token = issue_password_token(db.session, newcomer, 72)
        user_ids = [eli.id]
        # An AI tool of the demo register and a tool report of the employee's (lms.tools).
        tool_ids = list(db.session.scalars(select(AiTool.id).order_by(AiTool.id).limit(1)))
        report_ids = list(
            db.session.scalars(select(ToolReport.id).where(ToolReport.user_id == eli.id).limit(1))
        )
        # The demo's office hours, soonest first: last week's (attendance and answers), the
        # clinic's first (full, with a waitlist), the support team's, the clinic's second (the
        # employee's seat); and the clinic's series (lms.officehours.demo_data).
        office_hours_ids = list(
            db.session.scalars(
                select(OfficeHoursSession.id).order_by(OfficeHoursSession.starts_at).limit(4)
            )
        )
        series_ids = list(
            db.session.scalars(
                select(OfficeHoursSession.series_id)
                .where(OfficeHoursSession.series_id.is_not(None))
                .limit(1)
            )
        )
        # A published use case and the one waiting for review (lms.usecases.demo_data): the
        # reviewers' view of it has the review form.
        use_case_ids = [
            db.session.scalars(
                select(UseCase.id).where(UseCase.status == status).order_by(UseCase.id).limit(1)
            ).one()
            for status in ("published", "submitted")
        ]
        use_case_ids.append(int(draft_case.rsplit("/", 1)[1]))
        manager_ids = [maya.id]
        db.session.commit()
        db.session.remove()
    return {
        "slug": [CODE_COURSE, COMPLETED_COURSE, DEMO_COMPLETED],
        "module_slug": [code_module, modules[0][0]],
        "path": [code_file],
        "user_id": user_ids,
        "manager_id": manager_ids,
        "attempt_id": [quiz, open_check, open_baseline, failed_quiz],
        "draft_id": [draft_id],
        "version_id": [pending],
        "number": [1, baseline_length],  # a version; the first and last baseline question
        "public_id": awards[:1] + certificates[:1],
        "fmt": ["csv"],
        "token": [token],
        "doc": ["badges", "literacy-model"],  # pages of the authoring guide
        "tool_id": tool_ids,
        "report_id": report_ids,
        "office_hours_id": office_hours_ids,
        "series_id": series_ids,
        "use_case_id": use_case_ids,
    }


def pages_for(
    app: Flask, role: str, values: dict[str, list[Any]], answered: dict[str, set[str]]
) -> list[str]:
    """The pages ``role`` can open: every GET route of the URL map with its arguments filled from
    ``values`` in every combination, kept when it answers 200 with HTML (or, for REDIRECTS, leads
    to such a page). ``answered`` collects each endpoint's answers ("status mimetype")."""
    client = app.test_client()
    if role != "anonymous":
        assert login(client, ROLES[role], PASSWORD).status_code == 302
    pages: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
            continue
        names = sorted(rule.arguments)
        missing = [name for name in names if name not in values]
        assert not missing, f"no example for {missing} of {rule.endpoint}: add one to site_data"
        for combination in itertools.product(*(values[name] for name in names)):
            built = rule.build(dict(zip(names, combination, strict=True)), append_unknown=False)
            assert built is not None
            path = built[1]
            with client.get(path) as response:
                answered.setdefault(rule.endpoint, set()).add(
                    f"{response.status_code} {response.mimetype}"
                )
                opens = response.status_code == 200 and response.mimetype == "text/html"
                leads = rule.endpoint in REDIRECTS and response.status_code in {302, 303}
            if (opens or leads) and path not in pages:
                pages.append(path)
    return pages + EXTRA_PAGES


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def _post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    token = csrf_token(client, "/account/password")
    response = client.post(url, data={"csrf_token": token, **(data or {})})
    assert response.status_code in {302, 303}, (url, response.status_code)
    return response


def _baseline(client: FlaskClient, app: Flask, finish: bool) -> tuple[int, int]:
    """Rate oneself, then answer every baseline question page (``finish``) or the first only.
    The attempt's id and its number of questions."""
    ratings = {f"rate-{area}": "2" for area in COMPETENCIES}
    location = _post(client, "/baseline", ratings).headers["Location"]
    match = re.search(r"/baseline/(\d+)/questions/1$", location)
    assert match, location
    attempt_id = int(match.group(1))
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        total = len(attempt.question_version_ids)
        db.session.remove()
    for number in range(1, total + 1 if finish else 2):
        go = "finish" if number == total else "next"
        _post(client, f"/baseline/{attempt_id}/questions/{number}", {"answer": "1", "go": go})
    return attempt_id, total


def _fail_the_quiz(
    client: FlaskClient, app: Flask, course: str, modules: list[tuple[str, int]]
) -> int:
    """Complete every module, then submit the final quiz with no answer: a failed attempt, whose
    result lists the next steps (attempts left, modules to revisit)."""
    _post(client, f"/courses/{course}/enrol")
    for slug, questions in modules:
        _post(client, f"/courses/{course}/{slug}/read")
        if questions:
            _answer(client, app, _attempt(_post(client, f"/courses/{course}/{slug}/check")))
    attempt = _attempt(_post(client, f"/courses/{course}/quiz"))
    _post(client, f"/attempts/{attempt}/submit")
    return attempt


def _attempt(response: Any) -> int:
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _modules(app: Flask, course: str, code: bool = False) -> list[tuple[str, int]]:
    """(slug, number of questions) of the live version's modules, in order; with ``code``, only
    those with a code block."""
    with app.app_context():
        rows = db.session.execute(
            select(ModuleVersion)
            .join(CourseVersion, CourseVersion.id == ModuleVersion.course_version_id)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .where(Course.slug == course)
            .order_by(ModuleVersion.position)
        ).scalars()
        found = [
            (row.module.slug, row.question_count) for row in rows if not code or "<pre" in row.html
        ]
        db.session.remove()
    assert found, course
    return found


def _answer(client: FlaskClient, app: Flask, attempt_id: int) -> None:
    """Submit every right option of every question (options are shuffled: posted by place)."""
    fields: dict[str, list[str]] = {}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        questions = db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_(attempt.question_version_ids))
        )
        for question in questions:
            order = option_order_of(question, attempt)
            fields[f"q{question.id}"] = [
                str(order.index(key) + 1) for key in sorted(question.correct_keys)
            ]
        db.session.remove()
    _post(client, f"/attempts/{attempt_id}/submit", fields)
