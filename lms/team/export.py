"""The people table as CSV, streamed a batch of rows at a time and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from lms.courses.vocabulary import COMPETENCIES
from lms.team.people import AREAS, PersonRow

HEADER = [
    "Name",
    "Email",
    "Title",
    "Function",
    "Overall level",
    *(f"Level: {label}" for label in COMPETENCIES.values()),
    "Courses completed",
    "Assignments",
    "Assignments done",
    "Assignments overdue",
    "Last active",
    "Badges",
    "Stalled",
]
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (OWASP
# "CSV injection"): such cells get a leading apostrophe, which shows the text as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINES_PER_CHUNK = 200
BOM = "\ufeff"  # lets Excel open UTF-8 names correctly


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose ``write`` hands the line back, so csv.writer can be streamed."""

    def write(self, line: str) -> str:
        return line


def person_cells(row: PersonRow) -> list[object]:
    return [
        row.name,
        row.email,
        row.title,
        row.function_label,
        row.overall,
        *(row.levels[area] for area in AREAS),
        row.completed,
        row.assigned,
        row.assigned_done,
        row.overdue,
        row.last_active_text,
        row.badges,
        "yes" if row.stalled else "no",
    ]


def csv_chunks(rows: Iterable[PersonRow]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    chunk = [BOM + writer.writerow(HEADER)]
    for row in rows:
        chunk.append(writer.writerow([safe_cell(cell) for cell in person_cells(row)]))
        if len(chunk) >= LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
