"""Untrusted input at the edges, checked in one place before it reaches the database.

- Control characters: PostgreSQL refuses NUL in text (a 500 with a traceback) and SQLite stores
  it; escape sequences and the like in names end up in CSV files and terminals. A
  ``before_request`` check answers 400 to any control character in the path or the query string,
  and to any but tab, CR and LF in a form field or a field name (a view marked
  :func:`reads_own_body` keeps its body to itself). :class:`Form`, the base of the
  forms with free-text fields, refuses tab, CR and LF too in single-line fields (a form error),
  and checks the same when a form validates data that did not come from a request
  (``lms users create`` validates with the admin's person form).
- Integers: ``<int:...>`` in every route is :class:`DbIntConverter` (a value beyond a 64-bit
  integer does not match: 404), and :func:`db_int` parses integer query arguments
  (:func:`query_int`) and form choices (``coerce=db_int``): out of range is invalid, like "abc".
- Days on the command line: :func:`cli_day` refuses days so close to the ends of the calendar
  that the week or range around them cannot be computed.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, overload

import click
from flask import Flask, abort, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter, Map
from wtforms import Field, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

# Databases store 64-bit integers at most (SQLite's INTEGER, PostgreSQL's bigint).
DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1

# C0 controls, DEL and C1 controls; the second pattern lets tab, LF and CR through.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

REFUSED = "The request contains control characters (such as NUL) that cannot be accepted."
SINGLE_LINE = "Remove the control characters (tabs, line breaks and the like)."
MULTI_LINE = "Remove the control characters (other than tabs and line breaks)."

# Days a command accepts: weeks and ranges around them stay inside Python's calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9990, 12, 31)


def has_control(text: str, *, multiline: bool = False) -> bool:
    return bool((CONTROL_BUT_LINES if multiline else CONTROL).search(text))


def db_int(value: Any) -> int:
    """``value`` as a whole number (an id, a page, a version) a database column can hold, from 0
    to :data:`DB_INT_MAX`; ValueError otherwise.

    For ``request.args.get(type=db_int)`` and WTForms ``coerce=db_int``, which both treat a
    ValueError as "not a valid number". Negative numbers are refused too: nothing here counts
    below zero, and arithmetic on the smallest 64-bit number would leave the range.
    """
    number = int(value)
    if not 0 <= number <= DB_INT_MAX:
        raise ValueError(f"{value!r} is out of range")
    return number


@overload
def query_int(name: str, default: int, *, strict: bool = False) -> int: ...
@overload
def query_int(name: str, default: None = None, *, strict: bool = False) -> int | None: ...
def query_int(name: str, default: int | None = None, *, strict: bool = False) -> int | None:
    """The integer query argument ``name``; ``default`` when it is missing or empty.

    Text that is not a number also gives ``default``. A number outside 0 to
    :data:`DB_INT_MAX` gives ``default`` too (a page, a version to compare) or, with ``strict``,
    answers 404: for an id that names something (``?team=``), showing something else instead
    would mislead.
    """
    text = request.args.get(name, "")
    try:
        number = int(text)
    except ValueError:
        return default
    if 0 <= number <= DB_INT_MAX:
        return number
    if strict:
        abort(404)
    return default


class DbIntConverter(IntegerConverter):
    """The ``int`` route converter: values beyond a 64-bit integer do not match (404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        low = DB_INT_MIN if signed else 0
        lowest = low if min is None else builtins.max(min, low)
        highest = DB_INT_MAX if max is None else builtins.min(max, DB_INT_MAX)
        super().__init__(map, fixed_digits, lowest, highest, signed)


F = TypeVar("F", bound=Callable[..., Any])


def reads_own_body(view: F) -> F:
    """Mark a view that reads its request body itself, under its own size limit (the Open Badges
    verifier): the check below leaves that body alone, since parsing it as a form first would
    read it under the app-wide limit instead. Its path and query string are still checked."""
    view.reads_own_body = True  # type: ignore[attr-defined]
    return view


def control_characters_in_request(view: Callable[..., Any] | None) -> bool:
    """Whether the path, the query string or the form carries a character it may not."""
    if CONTROL.search(request.path):
        return True
    for key, value in request.args.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(value):
            return True
    if getattr(view, "reads_own_body", False):
        return False
    for key, value in request.form.items(multi=True):
        if CONTROL_BUT_LINES.search(key) or CONTROL_BUT_LINES.search(value):
            return True
    for key, upload in request.files.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(upload.filename or ""):
            return True
    return False


def init_app(app: Flask) -> None:
    """Register the ``int`` converter (before any route) and the control character check."""
    from lms.security import render_error

    app.url_map.converters["int"] = DbIntConverter

    @app.before_request
    def refuse_control_characters() -> Any:
        view = app.view_functions.get(request.endpoint or "")
        if control_characters_in_request(view):
            return render_error(400, REFUSED)
        return None


def no_control_characters(_form: Any, field: Field) -> None:
    """WTForms validator: no control characters in a text field; tab, CR and LF only in a
    multi-line one (a textarea). Passwords are exempt: they are hashed, never shown."""
    if not isinstance(field, StringField) or isinstance(field, PasswordField):
        return
    multiline = isinstance(field, TextAreaField)
    if isinstance(field.data, str) and has_control(field.data, multiline=multiline):
        raise ValidationError(MULTI_LINE if multiline else SINGLE_LINE)


class Form(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """Base of the forms with free-text fields: every field also gets
    :func:`no_control_characters`, so a single-line field refuses tab, CR and LF with a form
    error (the request check lets them through for textareas' sake), and a form fed from the
    command line gets the request check's rules too."""

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        extra = {name: list(rules) for name, rules in (extra_validators or {}).items()}
        for name in self._fields:
            extra.setdefault(name, []).append(no_control_characters)
        valid: bool = super().validate(extra)
        return valid


def cli_day(text: str | None, option: str) -> date | None:
    """A command's ``YYYY-MM-DD`` option (None when not given), between :data:`FIRST_DAY` and
    :data:`LAST_DAY`; anything else stops the command with one line."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise click.ClickException(f"{option} must be YYYY-MM-DD, not {text[:40]!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise click.ClickException(
            f"{option} must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}, "
            f"not {day.isoformat()}"
        )
    return day
