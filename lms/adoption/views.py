"""The "AI at work" page: where the approved tools, office hours, colleagues' use cases and the
champions are, and what each is for. Links only: it reads nothing from the database, so it costs
what any page costs; each feature's own page shows its figures."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("adoption", __name__, url_prefix="/ai-at-work")


@bp.get("")
def index() -> Any:
    return render_template("adoption/index.html")
