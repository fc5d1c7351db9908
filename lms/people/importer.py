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

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS, User
from lms.people.services import normalise_email
from lms.summaries.store import forget as forget_summaries

REQUIRED_COLUMNS = ("email", "name", "function", "title", "manager_email", "roles")
ROLE_NAMES = ("author", "admin", "executive")
MAX_ROWS = 100_000


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


def _valid_email(email: str) -> bool:
    """The same check as the admin form's email field (email-validator, no DNS lookups)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


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
        if not _valid_email(email):
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
    existing = {user.email: user for user in session.scalars(select(User))}
    file_emails = {row.email for row in rows}
    for row in rows:
        if row.manager_email and row.manager_email not in file_emails | existing.keys():
            problems.append(ImportProblem(row.line, f"unknown manager {row.manager_email}"))
    if not problems:
        problems.extend(_cycles(rows, existing))
    if problems:
        raise OrgImportError(sorted(problems, key=lambda problem: problem.line))
    return _apply(session, rows, existing)


def _cycles(rows: list[ImportRow], existing: dict[str, User]) -> list[ImportProblem]:
    """Find reporting loops in the org as it would be after the import."""
    manager_of: dict[str, str] = {}
    id_to_email = {user.id: email for email, user in existing.items()}
    for email, user in existing.items():
        if user.manager_id is not None and user.manager_id in id_to_email:
            manager_of[email] = id_to_email[user.manager_id]
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


def _apply(session: DbSession, rows: list[ImportRow], existing: dict[str, User]) -> ImportResult:
    by_email = dict(existing)
    before: dict[str, tuple[object, ...]] = {}
    for row in rows:
        user = by_email.get(row.email)
        if user is None:
            user = User(email=row.email, name=row.name, job_function=row.function, active=True)
            session.add(user)
            by_email[row.email] = user
        else:
            before[row.email] = _snapshot(user)
        user.name = row.name
        user.job_function = row.function
        user.title = row.title
        user.is_author = "author" in row.roles
        user.is_admin = "admin" in row.roles
        user.is_executive = "executive" in row.roles
    session.flush()  # new people get ids before managers are linked
    for row in rows:
        manager = by_email[row.manager_email] if row.manager_email else None
        by_email[row.email].manager_id = manager.id if manager else None
    forget_summaries(session)  # stored team figures follow the old chart
    session.flush()
    created = len(rows) - len(before)
    updated = sum(1 for email, snap in before.items() if _snapshot(by_email[email]) != snap)
    return ImportResult(created=created, updated=updated, unchanged=len(before) - updated)


def _snapshot(user: User) -> tuple[object, ...]:
    return (
        user.name,
        user.job_function,
        user.title,
        user.manager_id,
        user.is_author,
        user.is_admin,
        user.is_executive,
    )
