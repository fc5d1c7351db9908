"""A person's role group for breakdowns: executive, manager (has reports) or employee, in SQL."""

from __future__ import annotations

from sqlalchemy import Subquery, case, exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from lms.people.models import User


def role_expression() -> ColumnElement[str]:
    report = aliased(User)
    return case(
        (User.is_executive.is_(True), "executive"),
        (exists().where(report.manager_id == User.id), "manager"),
        else_="employee",
    )


def role_groups() -> Subquery:
    """(user_id, grp: executive | manager | employee) for every active person."""
    return (
        select(User.id.label("user_id"), role_expression().label("grp"))
        .where(User.active.is_(True))
        .subquery("role_groups")
    )
