"""The search page: one box for courses, modules and the other content people look for."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from lms.courses.vocabulary import COMPETENCIES
from lms.extensions import db
from lms.search.query import MAX_QUERY, search

bp = Blueprint("search", __name__, url_prefix="/search")

# kind -> (one, several), in the words of the page
KIND_LABELS = {
    "course": ("Course", "Courses"),
    "module": ("Lesson", "Lessons"),
    "tool": ("AI tool", "AI tools"),
    "use-case": ("Use case", "Use cases"),
}


@bp.get("")
def index() -> Any:
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    kind = request.args.get("kind", "")
    area = request.args.get("area", "")
    kind = kind if kind in KIND_LABELS else ""
    area = area if area in COMPETENCIES else ""
    hits = search(db.session, query, kind=kind, area=area) if query else []
    return render_template(
        "search/index.html",
        query=query,
        kind=kind,
        area=area,
        hits=hits,
        kinds=KIND_LABELS,
        competencies=COMPETENCIES,
    )
