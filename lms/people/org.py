"""Org tree queries: who reports (directly or not) to a manager.

The tree is a self-referencing ``users.manager_id``. Subtrees are asked for with one recursive CTE
that runs unchanged on SQLite and PostgreSQL; ``UNION`` (not ``UNION ALL``) makes it terminate even
if a cycle slipped in. Dashboards join against :func:`subtree_cte` instead of loading ids into
Python.
"""

from __future__ import annotations

from sqlalchemy import CTE, exists, func, literal, select
from sqlalchemy.orm import aliased

from lms.database import DbSession
from lms.people.models import User


def subtree_cte(manager_id: int, *, include_self: bool = False, name: str = "subtree") -> CTE:
    """A CTE with one column ``id``: everyone below ``manager_id`` (and the manager if asked)."""
    if include_self:
        anchor = select(literal(manager_id).label("id"))
    else:
        anchor = select(User.id.label("id")).where(User.manager_id == manager_id)
    tree = anchor.cte(name=name, recursive=True)
    child = aliased(User)
    return tree.union(select(child.id.label("id")).where(child.manager_id == tree.c.id))


def subtree_ids(
    session: DbSession, manager_id: int, *, include_self: bool = False, active_only: bool = False
) -> set[int]:
    tree = subtree_cte(manager_id, include_self=include_self)
    ids = select(tree.c.id)
    if active_only:
        ids = ids.join(User, User.id == tree.c.id).where(User.active.is_(True))
    return set(session.scalars(ids))


def is_in_subtree(session: DbSession, manager_id: int, user_id: int) -> bool:
    """True when ``user_id`` reports, directly or not, to ``manager_id``."""
    tree = subtree_cte(manager_id)
    return bool(session.scalar(select(exists().where(tree.c.id == user_id))))


def outside_subtree(session: DbSession, manager_id: int, user_ids: list[int]) -> list[int]:
    """Those of ``user_ids`` who do not report to ``manager_id``: one query however many."""
    if not user_ids:
        return []
    tree = subtree_cte(manager_id)
    inside = set(session.scalars(select(tree.c.id).where(tree.c.id.in_(user_ids))))
    return [user_id for user_id in user_ids if user_id not in inside]


def is_manager(session: DbSession, user_id: int) -> bool:
    return bool(session.scalar(select(exists().where(User.manager_id == user_id))))


def would_create_cycle(session: DbSession, user_id: int, new_manager_id: int | None) -> bool:
    """Setting ``new_manager_id`` as manager of ``user_id`` would make the tree a loop."""
    if new_manager_id is None:
        return False
    if new_manager_id == user_id:
        return True
    return is_in_subtree(session, user_id, new_manager_id)


def large_subtrees(session: DbSession, min_people: int) -> list[tuple[int, int]]:
    """(manager id, active people below them) for every manager of at least ``min_people``,
    largest first: one recursive query over (ancestor, person) pairs, however deep the tree."""
    pairs = (
        select(User.manager_id.label("ancestor"), User.id.label("id"))
        .where(User.manager_id.is_not(None))
        .cte("pairs", recursive=True)
    )
    above = aliased(User)
    pairs = pairs.union(
        select(above.manager_id.label("ancestor"), pairs.c.id)
        .join(above, above.id == pairs.c.ancestor)
        .where(above.manager_id.is_not(None))
    )
    member = aliased(User)
    people = func.count()
    rows = session.execute(
        select(pairs.c.ancestor, people)
        .join(member, member.id == pairs.c.id)
        .where(member.active.is_(True))
        .group_by(pairs.c.ancestor)
        .having(people >= min_people)
        .order_by(people.desc(), pairs.c.ancestor)
    ).all()
    return [(int(manager_id), int(count)) for manager_id, count in rows]
