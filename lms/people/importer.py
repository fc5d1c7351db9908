"""Org chart import from CSV: all-or-nothing, every bad row reported with its line number.

Columns: ``email, name, function, title, manager_email, roles`` (``roles`` is a list of ``author``,
``admin``, ``executive`` separated by spaces, commas or semicolons). People are matched by email
(case-insensitive): a re-import updates them in place. People not in the file are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import cast

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, bindparam, func, insert, select, update

from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS, User, utcnow
from lms.people.services import normalise_email
from lms.summaries.store import forget as forget_summaries

REQUIRED_COLUMNS = ("email", "name", "function", "title", "manager_email", "roles")
ROLE_NAMES = ("author", "admin", "executive")
MAX_ROWS = 100_000
USERS = cast(Table, User.__table__)


@dataclass
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class OrgImportError(ValueError):
    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the org chart")
        self.problems = problems


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    function: str
    title: str
    manager_email: str
    roles: set[str] = field(default_factory=set)


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


# An unquoted ASCII local part (RFC 5322 dot-atom): what nearly every address in an org chart has.
_DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LOCAL_MAX, _EMAIL_MAX = 64, 254


def _validator_accepts(email: str) -> bool:
    """The same check as the admin form's email field (email-validator, no DNS lookups)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _valid_email(email: str, domains: dict[str, bool]) -> bool:
    """:func:`_validator_accepts`, fast: email-validator spends ~0.2 ms on each address, nearly
    all of it on the domain (100,000 rows: 20 s), and an org chart has a handful of domains. A
    lower-case ASCII address whose local part is a plain dot-atom within the length limits is
    valid exactly when its domain is, so each domain is checked once (``domains`` remembers);
    anything else gets the full check."""
    local, at, domain = email.rpartition("@")
    if not (
        at
        and email.isascii()
        and len(local) <= _LOCAL_MAX
        and len(email) <= _EMAIL_MAX
        and _DOT_ATOM.fullmatch(local)
    ):
        return _validator_accepts(email)
    if domain not in domains:
        domains[domain] = _validator_accepts(f"a@{domain}")
    return domains[domain]


def parse_csv(text: str) -> tuple[list[ImportRow], list[ImportProblem]]:
    problems: list[ImportProblem] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return [], [ImportProblem(1, f"missing column(s): {', '.join(missing)}")]
    reader.fieldnames = header
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    domains: dict[str, bool] = {}
    for record in reader:
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            problems.append(ImportProblem(line, f"more than {MAX_ROWS} rows"))
            break
        if None in record:
            problems.append(ImportProblem(line, "more fields than columns"))
            continue
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        email = normalise_email(values["email"])
        row = ImportRow(
            line=line,
            email=email,
            name=values["name"],
            function=values["function"].lower(),
            title=values["title"],
            manager_email=normalise_email(values["manager_email"]),
        )
        if not _valid_email(email, domains):
            problems.append(ImportProblem(line, f"invalid email {values['email']!r}"))
        elif email in seen:
            problems.append(
                ImportProblem(line, f"duplicate email {email} (first on line {seen[email]})")
            )
        else:
            seen[email] = line
        if not row.name:
            problems.append(ImportProblem(line, "name is empty"))
        elif len(row.name) > 200:
            problems.append(ImportProblem(line, "name is longer than 200 characters"))
        if row.function not in JOB_FUNCTIONS:
            problems.append(
                ImportProblem(
                    line,
                    f"unknown function {values['function']!r} "
                    f"(expected one of: {', '.join(JOB_FUNCTIONS)})",
                )
            )
        if len(row.title) > 200:
            problems.append(ImportProblem(line, "title is longer than 200 characters"))
        for role in filter(None, re.split(r"[\s,;|]+", values["roles"].lower())):
            if role not in ROLE_NAMES:
                expected = ", ".join(ROLE_NAMES)
                problems.append(
                    ImportProblem(line, f"unknown role {role!r} (expected: {expected})")
                )
            row.roles.add(role)
        if row.manager_email and row.manager_email == email:
            problems.append(ImportProblem(line, "a person cannot be their own manager"))
        rows.append(row)
    return rows, problems


def import_org_chart(session: DbSession, text: str, acting: User | None = None) -> ImportResult:
    """Validate the whole file against the file and the database, then apply it (flush only).

    ``acting``: the admin importing from the browser, who may not take away their own admin
    rights by leaving ``admin`` out of their row (the admin form refuses the same).

    The cost grows linearly with the rows and the same handful of statements run whatever their
    number: one read of everyone, checks in memory (unknown managers, reporting cycles over the
    whole new tree), then bulk writes (see :func:`_apply`). 100,000 rows, the most allowed, fit
    well within a web worker's timeout (``bench/org_import_bench.py``).
    """
    rows, problems = parse_csv(text)
    if acting is not None:
        own = next((row for row in rows if row.email == acting.email.lower()), None)
        if own is not None and "admin" not in own.roles:
            problems.append(
                ImportProblem(
                    own.line,
                    f"{own.email} is you: keep 'admin' in your roles, or you would lose the "
                    "admin rights you are importing with",
                )
            )
    existing = _everyone(session)
    known = {row.email for row in rows} | existing.keys()
    for row in rows:
        if row.manager_email and row.manager_email not in known:
            problems.append(ImportProblem(row.line, f"unknown manager {row.manager_email}"))
    if not problems:
        problems.extend(_cycles(rows, existing))
    if problems:
        raise OrgImportError(sorted(problems, key=lambda problem: problem.line))
    return _apply(session, rows, existing)


@dataclass(frozen=True)
class _Stored:
    """A person as stored: what an import compares and may change."""

    id: int
    manager_id: int | None
    name: str
    job_function: str
    title: str
    is_author: bool
    is_admin: bool
    is_executive: bool


def _everyone(session: DbSession) -> dict[str, _Stored]:
    """Everyone in the database by email, in one statement (plain rows, no ORM objects)."""
    rows = session.execute(
        select(
            User.email,
            User.id,
            User.manager_id,
            User.name,
            User.job_function,
            User.title,
            User.is_author,
            User.is_admin,
            User.is_executive,
        )
    )
    return {row[0]: _Stored(*row[1:]) for row in rows}


def _cycles(rows: list[ImportRow], existing: dict[str, _Stored]) -> list[ImportProblem]:
    """Find reporting loops in the org as it would be after the import (each person is walked
    once: linear in the size of the whole tree)."""
    manager_of: dict[str, str] = {}
    id_to_email = {person.id: email for email, person in existing.items()}
    for email, person in existing.items():
        if person.manager_id is not None and person.manager_id in id_to_email:
            manager_of[email] = id_to_email[person.manager_id]
    line_of: dict[str, int] = {}
    for row in rows:
        line_of[row.email] = row.line
        if row.manager_email:
            manager_of[row.email] = row.manager_email
        else:
            manager_of.pop(row.email, None)
    problems: list[ImportProblem] = []
    reported: set[str] = set()
    settled: set[str] = set()
    for start in manager_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in settled:
            if node in on_path:
                loop = path[path.index(node) :]
                if not reported.intersection(loop):
                    reported.update(loop)
                    line = min(line_of.get(email, 10**9) for email in loop)
                    problems.append(
                        ImportProblem(line, "reporting cycle: " + " -> ".join([*loop, node]))
                    )
                break
            path.append(node)
            on_path.add(node)
            node = manager_of.get(node)
        settled.update(path)
    return problems


def _apply(session: DbSession, rows: list[ImportRow], existing: dict[str, _Stored]) -> ImportResult:
    """Write the file with a fixed number of statements, never one per row: one INSERT of the
    new people and one UPDATE of those who changed, each an executemany of Core statements on the
    table (the ORM's bulk mode spends more time per row than the database does)."""
    forget_summaries(session)  # stored team figures follow the old chart; also takes the lock
    new_rows = _managers_first([row for row in rows if row.email not in existing])
    id_of = {email: person.id for email, person in existing.items()}
    new_ids = _reserve_ids(session, len(new_rows))
    id_of.update(zip((row.email for row in new_rows), new_ids, strict=True))
    now = utcnow()
    added = [
        {
            **_columns(row, id_of),
            "id": id_of[row.email],
            "email": row.email,
            "active": True,
            "created_at": now,
        }
        for row in new_rows
    ]
    changed: list[dict[str, object]] = []
    for row in rows:
        stored = existing.get(row.email)
        if stored is not None:
            columns = _columns(row, id_of)
            if any(getattr(stored, key) != value for key, value in columns.items()):
                changed.append({**columns, "person": stored.id})
    if added:
        session.execute(insert(USERS), added)
    if changed:
        session.execute(update(USERS).where(USERS.c.id == bindparam("person")), changed)
    _expire_loaded_people(session)
    session.flush()
    unchanged = len(rows) - len(added) - len(changed)
    return ImportResult(created=len(added), updated=len(changed), unchanged=unchanged)


def _managers_first(new_rows: list[ImportRow]) -> list[ImportRow]:
    """New people ordered so that a new manager comes before their reports: foreign keys are
    checked row by row, and the manager of each row must already be there (the tree has no
    cycle: checked before)."""
    new_emails = {row.email for row in new_rows}
    reports: dict[str, list[ImportRow]] = {}
    ordered: list[ImportRow] = []
    for row in new_rows:
        if row.manager_email in new_emails:
            reports.setdefault(row.manager_email, []).append(row)
        else:
            ordered.append(row)
    for row in ordered:  # grows while it is walked: breadth first, down the new tree
        ordered.extend(reports.pop(row.email, ()))
    return ordered


def _reserve_ids(session: DbSession, count: int) -> list[int]:
    """Ids for ``count`` new people, taken before they are inserted so that every row names its
    manager in the same INSERT, new manager or not (no second pass to link them)."""
    if not count:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.nextval(func.pg_get_serial_sequence(USERS.name, "id"))
        return list(session.scalars(select(sequence).select_from(func.generate_series(1, count))))
    # SQLite has one writer at a time, and this transaction already wrote (forget_summaries), so
    # it holds the write lock: nobody else can insert a person until it commits.
    top = session.scalar(select(func.max(User.id))) or 0
    return list(range(top + 1, top + 1 + count))


def _columns(row: ImportRow, id_of: dict[str, int]) -> dict[str, object]:
    return {
        "manager_id": id_of[row.manager_email] if row.manager_email else None,
        "name": row.name,
        "job_function": row.function,
        "title": row.title,
        "is_author": "author" in row.roles,
        "is_admin": "admin" in row.roles,
        "is_executive": "executive" in row.roles,
    }


def _expire_loaded_people(session: DbSession) -> None:
    """People already loaded in the session (the importing admin) were written around by the bulk
    statements: make their next access read the new values."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, User):
            session.expire(instance)
