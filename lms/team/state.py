"""What the team pages were asked for (scope switch, filters, sort, page), and the links that keep
it. Templates call these instead of assembling query strings themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from lms.team.people import PeopleFilters, Sort
from lms.team.scope import Scope

# Columns whose first click sorts descending (largest first); the others start ascending.
ASCENDING_FIRST = frozenset({"name", "function"})


def _url(endpoint: str, *parts: dict[str, Any]) -> str:
    args: dict[str, Any] = {}
    for part in parts:
        args.update(part)
    return url_for(endpoint, **{key: value for key, value in args.items() if value != ""})


@dataclass(frozen=True)
class TeamState:
    scope: Scope
    team_name: str | None = None  # set when looking at a sub-team
    filters: PeopleFilters = field(default_factory=PeopleFilters)
    sort: Sort = field(default_factory=Sort)
    page: int = 1

    def scope_args(self, direct_only: bool | None = None) -> dict[str, str | int]:
        direct = self.scope.direct_only if direct_only is None else direct_only
        args: dict[str, str | int] = {}
        if self.scope.is_sub_team:
            args["team"] = self.scope.root_id
        if direct:
            args["direct"] = "1"
        return args

    def switch_url(self, endpoint: str, direct_only: bool) -> str:
        extra = self.filters.as_args() | self.sort.as_args() if endpoint != "team.dashboard" else {}
        return _url(endpoint, self.scope_args(direct_only), extra)

    def dashboard_url(self) -> str:
        return _url("team.dashboard", self.scope_args())

    def refresh_url(self) -> str:
        return _url("team.refresh", self.scope_args())

    def people_url(self, **changes: str | int) -> str:
        args: dict[str, str | int] = {
            **self.scope_args(),
            **self.filters.as_args(),
            **self.sort.as_args(),
        }
        if self.page > 1:
            args["page"] = self.page
        args.update(changes)
        return _url("team.people", args)

    def export_url(self) -> str:
        return _url("team.export", self.scope_args(), self.filters.as_args(), self.sort.as_args())

    def filtered_people_url(self, **filters: str) -> str:
        """The people table with only these filters (links from the dashboard's figures)."""
        return _url("team.people", self.scope_args(), filters)

    def sort_url(self, key: str) -> str:
        if self.sort.key == key:
            descending = not self.sort.descending
        else:
            descending = key not in ASCENDING_FIRST
        return self.people_url(sort=key, dir="desc" if descending else "asc", page="")

    def aria_sort(self, key: str) -> str:
        if self.sort.key != key:
            return "none"
        return "descending" if self.sort.descending else "ascending"

    def page_url(self, page: int) -> str:
        return self.people_url(page=page if page > 1 else "")
