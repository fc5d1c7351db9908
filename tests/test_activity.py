"""The activity log and its xAPI 1.0.3 export (CLI and GET /xapi/statements).

- Every exported statement passes a small JSON-schema-like check of the xAPI 1.0.3 statement
  structure, written here (no network, no extra dependency); the checker is tested to fail.
- Filters: by person (email, manager subtree) and by UTC days, both days included.
- Access: a learner sees only their own statements, an admin anyone's, a manager their org
  subtree's; anyone else is 404, the same answer as for an email no one has.
- A quiz flow through the real views leaves enrolled, completed, passed/failed and level-changed
  events, and rows once written never change.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.activity.models import VERBS, ActivityEvent
from lms.activity.service import json_array, record
from lms.extensions import db
from lms.people.models import User
from tests.conftest import login, table_snapshot
from tests.learn_helpers import (
    CourseSpec,
    complete_modules,
    enrol,
    publish_spec,
    sentinel_course,
    start_quiz,
    submit,
)

BASE_URL = "https://lms.example.org"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL}


# --------------------------------------------------------------- a JSON-schema-like checker

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_iri(value: str) -> bool:
    parts = urlsplit(value)
    return (
        bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme))
        and (bool(parts.netloc) or parts.scheme in {"urn", "tag", "mailto"})
        and not re.search(r"\s", value)
    )


FORMATS: dict[str, Callable[[str], bool]] = {
    "uuid": lambda v: bool(UUID.fullmatch(v)) and str(uuid.UUID(v)) == v,
    "iri": is_iri,
    "mailto": lambda v: v.startswith("mailto:") and bool(EMAIL.fullmatch(v[len("mailto:") :])),
    "date-time": lambda v: bool(DATE_TIME.fullmatch(v)) and _parses(v),
    "language-tag": lambda v: bool(LANGUAGE_TAG.fullmatch(v)),
}


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def check(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Errors of ``value`` against a small subset of JSON Schema, each with its path."""
    errors: list[str] = []
    if "type" in schema and not TYPES[schema["type"]](value):
        return [f"{path}: expected {schema['type']}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}, not {value!r}")
    if "format" in schema and not FORMATS[schema["format"]](value):
        errors.append(f"{path}: not a valid {schema['format']}: {value!r}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} is below {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value} is above {schema['maximum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key!r}")
        if len(value) < schema.get("minProperties", 0):
            errors.append(f"{path}: needs at least {schema['minProperties']} entries")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if "propertyNames" in schema and not FORMATS[schema["propertyNames"]](key):
                errors.append(f"{path}: key {key!r} is not a {schema['propertyNames']}")
            if key in properties:
                errors.extend(check(item, properties[key], f"{path}.{key}"))
            elif extra is False:
                errors.append(f"{path}: unexpected key {key!r}")
            elif isinstance(extra, dict):
                errors.extend(check(item, extra, f"{path}.{key}"))
    return errors


LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": "language-tag",
    "additionalProperties": {"type": "string"},
}
EXTENSIONS = {"type": "object", "propertyNames": "iri"}
IRI = {"type": "string", "format": "iri"}

STATEMENT = {
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp", "version"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "actor": {
            "type": "object",
            "required": ["mbox"],
            "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Agent"},
                "name": {"type": "string"},
                "mbox": {"type": "string", "format": "mailto"},
            },
        },
        "verb": {
            "type": "object",
            "required": ["id", "display"],
            "additionalProperties": False,
            "properties": {"id": IRI, "display": LANGUAGE_MAP},
        },
        "object": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Activity"},
                "id": IRI,
                "definition": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "name": LANGUAGE_MAP,
                        "description": LANGUAGE_MAP,
                        "type": IRI,
                        "extensions": EXTENSIONS,
                    },
                },
            },
        },
        "result": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "score": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": False,
                    "properties": {
                        "scaled": {"type": "number", "minimum": -1, "maximum": 1},
                        "raw": {"type": "number"},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                    },
                },
                "success": {"type": "boolean"},
                "completion": {"type": "boolean"},
                "response": {"type": "string"},
                "duration": {"type": "string"},
                "extensions": EXTENSIONS,
            },
        },
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "registration": {"type": "string", "format": "uuid"},
                "platform": {"type": "string"},
                "language": {"type": "string", "format": "language-tag"},
                "extensions": EXTENSIONS,
            },
        },
        "timestamp": {"type": "string", "format": "date-time"},
        "version": {"const": "1.0.3"},
    },
}


def statement_errors(statement: Any) -> list[str]:
    errors = check(statement, STATEMENT)
    score = (statement.get("result") or {}).get("score") if isinstance(statement, dict) else None
    if isinstance(score, dict) and "raw" in score:
        low, high = score.get("min", score["raw"]), score.get("max", score["raw"])
        if not low <= score["raw"] <= high:
            errors.append("$.result.score.raw: not between min and max")
    return errors


def assert_valid(statements: list[dict[str, Any]]) -> None:
    problems = {s.get("id", "?"): errs for s in statements if (errs := statement_errors(s))}
    assert problems == {}


GOOD = {
    "id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
    "object": {
        "objectType": "Activity",
        "id": "https://lms.example.org/xapi/quiz/course",
        "definition": {
            "name": {"en-US": "Course"},
            "type": "http://adlnet.gov/expapi/activities/assessment",
        },
    },
    "result": {"score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100}, "success": True},
    "timestamp": "2025-03-03T09:00:00.000Z",
    "version": "1.0.3",
}


def changed(path: str, value: Any) -> dict[str, Any]:
    statement: dict[str, Any] = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    target = statement
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return statement


def test_the_checker_accepts_a_good_statement() -> None:
    assert statement_errors(GOOD) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", "not-a-uuid"),
        ("id", "F47AC10B-58CC-4372-A567-0E02B2C3D479"),
        ("id", KeyError),
        ("actor", KeyError),
        ("actor.mbox", "ada@example.com"),
        ("actor.mbox", "mailto:nobody"),
        ("actor.objectType", "Group"),
        ("verb.id", "passed"),
        ("verb.id", "/xapi/verbs/passed"),
        ("verb.display", "passed"),
        ("verb.display", {}),
        ("verb.display", {"not a tag": "passed"}),
        ("object.id", "quiz/course"),
        ("object.definition.type", "assessment"),
        ("timestamp", "2025-03-03 09:00"),
        ("timestamp", "2025-03-03T09:00:00"),
        ("timestamp", "2025-13-03T09:00:00Z"),
        ("version", "1.0"),
        ("version", KeyError),
        ("result.score.scaled", 1.5),
        ("result.score.scaled", -1.01),
        ("result.score.scaled", "0.8"),
        ("result.score.raw", 101),
        ("result.success", "yes"),
        ("result.extensions", {"level": 2}),
        ("surprise", 1),
    ],
)
def test_the_checker_rejects_broken_statements(path: str, value: Any) -> None:
    assert statement_errors(changed(path, value)) != []


# ------------------------------------------------------------------------------ helpers


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = login(client, user.email)
    assert response.status_code == 302, response.status_code
    return client


def fetch(client: FlaskClient, **args: Any) -> list[dict[str, Any]]:
    response = client.get("/xapi/statements", query_string=args)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/json"
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert response.is_streamed
    body = json.loads(response.get_data(as_text=True))
    assert isinstance(body, list)
    return body


def status(client: FlaskClient, **args: Any) -> int:
    return client.get("/xapi/statements", query_string=args).status_code


def emails_in(statements: list[dict[str, Any]]) -> set[str]:
    return {s["actor"]["mbox"].removeprefix("mailto:") for s in statements}


def add_events(app: Flask, user: User, moments: list[datetime], verb: str = "opened") -> None:
    with app.app_context():
        for number, at in enumerate(moments):
            record(
                db.session,
                user.id,
                verb,
                "module",
                f"course/module-{number}",
                object_name=f"Module {number}",
                at=at,
            )
        db.session.commit()
        db.session.remove()


def export(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "xapi", "export", *args])


def exported(app: Flask, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    output = tmp_path / "statements.json"
    result = export(app, *args, "--output", str(output))
    assert result.exit_code == 0, result.output
    body: list[dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))
    assert f"Exported {len(body)} statement(s) to {output}." in result.stderr
    return body


@pytest.fixture
def org(make_user: Callable[..., User]) -> dict[str, User]:
    """boss -> lead -> (dev, tester); peer reports to boss's manager; plus an admin and outsider."""
    top = make_user(name="Top")
    boss = make_user(name="Boss", manager=top)
    lead = make_user(name="Lead", manager=boss)
    return {
        "top": top,
        "boss": boss,
        "lead": lead,
        "dev": make_user(name="Dev", manager=lead),
        "tester": make_user(name="Tester", manager=lead),
        "peer": make_user(name="Peer", manager=top),
        "admin": make_user(name="Admin", is_admin=True),
        "executive": make_user(name="Exec", is_executive=True),
        "outsider": make_user(name="Outsider"),
    }


@pytest.fixture
def org_events(app: Flask, org: dict[str, User]) -> dict[str, User]:
    """Two events for everyone in the org, on 2025-01-10 and 2025-02-10."""
    for person in org.values():
        add_events(app, person, [datetime(2025, 1, 10, 12), datetime(2025, 2, 10, 12)])
    return org


# ------------------------------------------------------------------- the quiz flow's events


def run_quiz_flow(app: Flask, tmp_path: Path, learner: User) -> CourseSpec:
    spec = sentinel_course("xapi-course", cooldown_minutes=0, max_attempts=0)
    publish_spec(app, tmp_path / "courses", spec)
    client = client_for(app, learner)
    enrol(client, spec.slug)
    complete_modules(client, app, spec)
    assert submit(client, app, start_quiz(client, spec.slug), right=False).status_code == 302
    assert submit(client, app, start_quiz(client, spec.slug), right=True).status_code == 302
    return spec


def event_rows(app: Flask, user: User) -> list[tuple[str, str, str, Any]]:
    with app.app_context():
        rows = [
            (e.verb, e.object_type, e.object_id, e.result)
            for e in db.session.scalars(
                select(ActivityEvent)
                .where(ActivityEvent.user_id == user.id)
                .order_by(ActivityEvent.id)
            )
        ]
        db.session.remove()
    return rows


def test_a_quiz_flow_records_enrolment_completions_verdicts_and_level_changes(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    learner = make_user()
    run_quiz_flow(app, tmp_path, learner)
    events = event_rows(app, learner)
    kinds = [(verb, object_type) for verb, object_type, _, _ in events]
    assert kinds[0] == ("enrolled", "course")
    assert kinds.count(("completed", "module")) == 3
    assert ("passed", "check") in kinds
    quiz_verdicts = [
        (verb, result["success"]) for verb, kind, _, result in events if kind == "quiz"
    ]
    assert quiz_verdicts == [("failed", False), ("passed", True)]
    assert kinds[-1] in {("completed", "course"), ("level-changed", "competency")}
    assert ("completed", "course") in kinds
    level_changes = [
        (object_id, result) for verb, _, object_id, result in events if verb == "level-changed"
    ]
    # evaluating: the check makes it 1, the failed quiz takes it to 0; the pass replaces the failed
    # answers (only the newest answer per question counts), which lifts it to 2.
    assert level_changes == [
        ("evaluating", {"level": 1, "previous": 0}),
        ("evaluating", {"level": 0, "previous": 1}),
        ("evaluating", {"level": 2, "previous": 0}),
    ]
    modules = sorted(object_id for verb, kind, object_id, _ in events if kind == "module")
    assert modules == [
        "xapi-course/check-the-figures",
        "xapi-course/first-steps",
        "xapi-course/wrap-up",
    ]


def test_recorded_events_are_never_changed_by_later_activity(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    learner = make_user()
    spec = sentinel_course("xapi-course", cooldown_minutes=0, max_attempts=0)
    publish_spec(app, tmp_path / "courses", spec)
    client = client_for(app, learner)
    enrol(client, spec.slug)
    complete_modules(client, app, spec)
    before = table_snapshot(app)["activity_events"]
    assert before
    submit(client, app, start_quiz(client, spec.slug), right=False)
    submit(client, app, start_quiz(client, spec.slug), right=True)
    after = table_snapshot(app)["activity_events"]
    assert len(after) > len(before)
    assert after[: len(before)] == before  # only appended


def test_the_quiz_flow_exports_as_valid_statements(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    learner = make_user(name="Ada Lovelace")
    run_quiz_flow(app, tmp_path, learner)
    statements = fetch(client_for(app, learner))
    assert_valid(statements)
    assert len(statements) == len(event_rows(app, learner))
    assert len({s["id"] for s in statements}) == len(statements)
    assert emails_in(statements) == {learner.email}
    assert {s["actor"]["name"] for s in statements} == {"Ada Lovelace"}
    assert {s["verb"]["id"] for s in statements} == {
        VERBS[verb] for verb in ("enrolled", "completed", "passed", "failed", "level-changed")
    }
    assert all(s["object"]["id"].startswith(f"{BASE_URL}/xapi/") for s in statements)
    timestamps = [s["timestamp"] for s in statements]
    assert timestamps == sorted(timestamps)

    quizzes = [s for s in statements if s["object"]["id"] == f"{BASE_URL}/xapi/quiz/xapi-course"]
    assert [(s["result"]["success"], s["result"]["score"]) for s in quizzes] == [
        (False, {"scaled": 0.0, "raw": 0.0, "min": 0, "max": 100}),
        (True, {"scaled": 1.0, "raw": 100.0, "min": 0, "max": 100}),
    ]
    assert {s["object"]["definition"]["type"] for s in quizzes} == {
        "http://adlnet.gov/expapi/activities/assessment"
    }
    enrolled = statements[0]
    assert enrolled["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/registered",
        "display": {"en-US": "enrolled"},
    }
    assert enrolled["context"]["extensions"] == {f"{BASE_URL}/xapi/context/source": "self"}
    levels = [s for s in statements if s["verb"]["id"] == VERBS["level-changed"]]
    assert levels[0]["object"]["id"] == f"{BASE_URL}/xapi/competency/evaluating"
    assert levels[0]["object"]["definition"]["name"] == {"en-US": "Evaluating outputs"}
    assert levels[0]["result"] == {
        "extensions": {f"{BASE_URL}/xapi/result/level": 1, f"{BASE_URL}/xapi/result/previous": 0}
    }


def test_statement_ids_are_stable_and_the_cli_and_endpoint_agree(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    learner = make_user()
    run_quiz_flow(app, tmp_path, learner)
    client = client_for(app, learner)
    first, second = fetch(client), fetch(client)
    assert first == second
    assert exported(app, tmp_path, "--email", learner.email) == first


def test_statement_ids_differ_between_deployments(
    app: Flask, make_user: Callable[..., User]
) -> None:
    from lms.activity.service import to_xapi

    learner = make_user()
    add_events(app, learner, [datetime(2025, 1, 10)])
    with app.app_context():
        event = db.session.scalars(select(ActivityEvent)).one()
        person = db.session.get(User, learner.id)
        assert person is not None
        here = to_xapi(event, person, BASE_URL)
        staging = to_xapi(event, person, "https://staging.example.org/")
        db.session.remove()
    assert here["id"] != staging["id"]
    assert statement_errors(here) == statement_errors(staging) == []


# ------------------------------------------------------------------------------ the endpoint


def test_anonymous_visitors_are_sent_to_log_in(app: Flask) -> None:
    response = app.test_client().get("/xapi/statements")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_learner_gets_only_their_own_statements(app: Flask, org_events: dict[str, User]) -> None:
    dev = org_events["dev"]
    client = client_for(app, dev)
    mine = fetch(client)
    assert emails_in(mine) == {dev.email}
    assert len(mine) == 2
    assert fetch(client, email=dev.email.upper()) == mine
    assert_valid(mine)


@pytest.mark.parametrize("who", ["tester", "lead", "outsider", "admin"])
def test_a_learner_cannot_name_anyone_else(
    app: Flask, org_events: dict[str, User], who: str
) -> None:
    client = client_for(app, org_events["dev"])
    assert status(client, email=org_events[who].email) == 404


def test_an_admin_may_name_anyone(app: Flask, org_events: dict[str, User]) -> None:
    client = client_for(app, org_events["admin"])
    assert emails_in(fetch(client)) == {org_events["admin"].email}
    for person in org_events.values():
        assert emails_in(fetch(client, email=person.email)) == {person.email}
    both = fetch(client, email=[org_events["dev"].email, org_events["outsider"].email])
    assert emails_in(both) == {org_events["dev"].email, org_events["outsider"].email}
    assert len(both) == 4
    assert status(client, email="nobody@example.com") == 404


@pytest.mark.parametrize(
    ("manager", "person", "code"),
    [
        ("lead", "dev", 200),
        ("lead", "tester", 200),
        ("lead", "lead", 200),
        ("boss", "dev", 200),  # two levels down
        ("boss", "lead", 200),
        ("top", "tester", 200),
        ("top", "peer", 200),
        ("lead", "boss", 404),  # one's own manager
        ("lead", "peer", 404),
        ("boss", "peer", 404),  # a peer of the boss, not below them
        ("boss", "top", 404),
        ("lead", "outsider", 404),
        ("lead", "admin", 404),
        ("executive", "dev", 404),  # executives are not managers of everyone
    ],
)
def test_a_manager_may_name_people_in_their_subtree_only(
    app: Flask, org_events: dict[str, User], manager: str, person: str, code: int
) -> None:
    client = client_for(app, org_events[manager])
    target = org_events[person]
    assert status(client, email=target.email) == code
    if code == 200:
        assert emails_in(fetch(client, email=target.email)) == {target.email}


def test_a_refusal_looks_like_an_unknown_person(app: Flask, org_events: dict[str, User]) -> None:
    client = client_for(app, org_events["lead"])
    refused = client.get("/xapi/statements", query_string={"email": org_events["peer"].email})
    unknown = client.get("/xapi/statements", query_string={"email": "nobody@example.com"})
    assert refused.status_code == unknown.status_code == 404
    assert refused.get_data() == unknown.get_data()
    # One name outside the subtree refuses the whole request.
    mixed = {"email": [org_events["dev"].email, org_events["peer"].email]}
    assert client.get("/xapi/statements", query_string=mixed).status_code == 404


def test_date_filters_include_both_days(app: Flask, make_user: Callable[..., User]) -> None:
    learner = make_user()
    add_events(
        app,
        learner,
        [
            datetime(2025, 1, 9, 23, 59, 59),
            datetime(2025, 1, 10, 0, 0, 0),
            datetime(2025, 1, 15, 12, 0),
            datetime(2025, 1, 20, 23, 59, 59, 999_000),
            datetime(2025, 1, 21, 0, 0, 0),
        ],
    )
    client = client_for(app, learner)

    def days(**args: str) -> list[str]:
        return [s["timestamp"] for s in fetch(client, **args)]

    assert days(since="2025-01-10", until="2025-01-20") == [
        "2025-01-10T00:00:00.000Z",
        "2025-01-15T12:00:00.000Z",
        "2025-01-20T23:59:59.999Z",
    ]
    assert days(since="2025-01-21") == ["2025-01-21T00:00:00.000Z"]
    assert days(until="2025-01-09") == ["2025-01-09T23:59:59.000Z"]
    assert days(since="2025-01-15", until="2025-01-15") == ["2025-01-15T12:00:00.000Z"]
    assert days(since="2025-02-01") == []
    assert len(days()) == 5


@pytest.mark.parametrize(
    "args",
    [
        {"since": "2025-1-10"},
        {"since": "10.01.2025"},
        {"until": "2025-02-30"},
        {"until": "2025-W01-1"},
        {"since": "2025-01-10T00:00"},
        {"since": "2025-01-20", "until": "2025-01-10"},
    ],
)
def test_bad_dates_are_refused(
    app: Flask, make_user: Callable[..., User], args: dict[str, str]
) -> None:
    assert status(client_for(app, make_user()), **args) == 400


def test_filters_combine_with_people(app: Flask, org_events: dict[str, User]) -> None:
    client = client_for(app, org_events["boss"])
    january = fetch(client, email=org_events["dev"].email, until="2025-01-31")
    assert [s["timestamp"] for s in january] == ["2025-01-10T12:00:00.000Z"]
    assert emails_in(january) == {org_events["dev"].email}


def test_the_response_is_streamed_in_batches_and_complete(
    app: Flask, make_user: Callable[..., User]
) -> None:
    learner = make_user()
    start = datetime(2025, 1, 1)
    add_events(app, learner, [start + timedelta(minutes=i) for i in range(2_345)])
    statements = fetch(client_for(app, learner))
    assert len(statements) == 2_345
    assert len({s["id"] for s in statements}) == 2_345
    assert [s["object"]["id"] for s in statements[:2]] == [
        f"{BASE_URL}/xapi/module/course/module-0",
        f"{BASE_URL}/xapi/module/course/module-1",
    ]
    assert statements[-1]["timestamp"] == "2025-01-02T15:04:00.000Z"


def test_json_array_is_produced_one_element_at_a_time() -> None:
    def items() -> Iterator[dict[str, int]]:
        yield {"n": 1}
        yield {"n": 2}
        raise RuntimeError("the third element is never needed to send the first two")

    chunks = json_array(items())
    assert next(chunks) == "["
    assert json.loads(next(chunks)) == {"n": 1}
    assert json.loads(next(chunks).lstrip(",")) == {"n": 2}
    with pytest.raises(RuntimeError):
        next(chunks)
    assert json.loads("".join(json_array([]))) == []
    assert json.loads("".join(json_array([{"a": "ü"}, {"b": [1]}]))) == [{"a": "ü"}, {"b": [1]}]


# ---------------------------------------------------------------------------------- the CLI


def test_the_cli_exports_everyone_by_default(
    app: Flask, tmp_path: Path, org_events: dict[str, User]
) -> None:
    statements = exported(app, tmp_path)
    assert_valid(statements)
    assert emails_in(statements) == {person.email for person in org_events.values()}
    assert len(statements) == 2 * len(org_events)


def test_the_cli_writes_to_standard_output(app: Flask, org_events: dict[str, User]) -> None:
    result = export(app, "--email", org_events["dev"].email)
    assert result.exit_code == 0, result.output
    statements = json.loads(result.stdout)
    assert emails_in(statements) == {org_events["dev"].email}
    assert "Exported 2 statement(s) to standard output." in result.stderr


def test_the_cli_filters_by_people_and_days(
    app: Flask, tmp_path: Path, org_events: dict[str, User]
) -> None:
    dev, tester = org_events["dev"].email, org_events["tester"].email
    assert emails_in(exported(app, tmp_path, "--email", dev, "--email", tester.upper())) == {
        dev,
        tester,
    }
    february = exported(app, tmp_path, "--email", dev, "--since", "2025-02-01")
    assert [s["timestamp"] for s in february] == ["2025-02-10T12:00:00.000Z"]
    january = exported(app, tmp_path, "--since", "2025-01-10", "--until", "2025-01-10")
    assert len(january) == len(org_events)
    assert exported(app, tmp_path, "--until", "2025-01-09") == []


def test_the_cli_exports_a_managers_subtree(
    app: Flask, tmp_path: Path, org_events: dict[str, User]
) -> None:
    boss = org_events["boss"].email
    team = {org_events[name].email for name in ("lead", "dev", "tester")}
    assert emails_in(exported(app, tmp_path, "--manager-email", boss)) == team
    with_boss = exported(app, tmp_path, "--manager-email", boss, "--email", boss)
    assert emails_in(with_boss) == team | {boss}
    assert exported(app, tmp_path, "--manager-email", org_events["dev"].email) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.com"], "No one has the email nobody@example.com."),
        (["--manager-email", "nobody@example.com"], "No one has the email nobody@example.com."),
        (["--since", "2025-13-01"], "--since must be a date as YYYY-MM-DD"),
        (["--since", "2025-02-01", "--until", "2025-01-01"], "until is before since"),
    ],
)
def test_the_cli_refuses_bad_requests_and_writes_nothing(
    app: Flask, tmp_path: Path, org_events: dict[str, User], args: list[str], message: str
) -> None:
    output = tmp_path / "out.json"
    result = export(app, *args, "--output", str(output))
    assert result.exit_code == 1
    assert message in result.stderr
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []
