"""Who a team view covers.

A manager sees the active people of their whole org subtree, or only their direct reports. They
may narrow either to the team of someone inside their subtree (``team``); asking for anyone outside
answers 404 in the views (:func:`resolve_scope` returns ``None``). Every query of the dashboard
joins the :func:`members_cte` instead of loading ids into Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CTE, ColumnElement, SQLColumnExpression, select

from lms.database import DbSession
from lms.people.models import User
from lms.people.org import subtree_cte

# Ids beyond a 64-bit integer cannot exist (and SQLite refuses to bind them): treat as not found.
MAX_ID = 2**63 - 1


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class Scope:
    viewer_id: int  # the manager looking
    root_id: int  # whose reports are shown: the viewer, or a manager inside the viewer's subtree
    direct_only: bool = False

    @property
    def is_sub_team(self) -> bool:
        return self.root_id != self.viewer_id


def resolve_scope(
    session: DbSession, viewer_id: int, team_id: int | None, direct_only: bool
) -> tuple[Scope, str | None] | None:
    """The scope asked for and, for a sub-team, its manager's name; ``None`` when ``team_id`` is
    not in the viewer's subtree (one query, only when a sub-team is asked for)."""
    if team_id is None or team_id == viewer_id:
        return Scope(viewer_id, viewer_id, direct_only), None
    if not valid_id(team_id):
        return None
    tree = subtree_cte(viewer_id)
    name = session.scalar(
        select(User.name).where(User.id == team_id, User.id.in_(select(tree.c.id)))
    )
    if name is None:
        return None
    return Scope(viewer_id, team_id, direct_only), name


def members_cte(scope: Scope, name: str = "members") -> CTE:
    """One column ``id``: the active people in scope (never the root themself)."""
    if scope.direct_only:
        return (
            select(User.id).where(User.manager_id == scope.root_id, User.active.is_(True)).cte(name)
        )
    tree = subtree_cte(scope.root_id, name=f"{name}_tree")
    return select(User.id).join(tree, tree.c.id == User.id).where(User.active.is_(True)).cte(name)


def viewer_members_cte(viewer_id: int, name: str = "visible") -> CTE:
    """Everyone the viewer may see at all: their whole subtree, whatever the current switch."""
    return members_cte(Scope(viewer_id, viewer_id, False), name)


def in_cte(column: SQLColumnExpression[int], cte: CTE) -> ColumnElement[bool]:
    return column.in_(select(cte.c.id))
