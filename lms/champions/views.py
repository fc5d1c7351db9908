"""The champions pages: the list (everyone), volunteering and stepping down (everyone, for
themselves), and the programme owners' decisions (403 to anyone else)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.champions.forms import SCOPES, ActionForm, DecisionForm, VolunteerForm
from lms.champions.models import CONFIRMED, STEPPED_DOWN, VOLUNTEERED, Champion
from lms.champions.service import (
    Offer,
    confirmed_champions,
    decide,
    get_offer,
    offer_of,
    offers_to_decide,
    step_down,
    volunteer,
)
from lms.extensions import db
from lms.people.models import JOB_FUNCTIONS
from lms.security import not_found_for
from lms.tools.access import is_programme_owner, require_programme_owner

bp = Blueprint("champions", __name__, url_prefix="/champions")

STATUS_WORDS = {
    VOLUNTEERED: "Waiting for the AI programme team",
    CONFIRMED: "Confirmed",
    "declined": "Not taken up",
    STEPPED_DOWN: "Stepped down",
}


@bp.context_processor
def words() -> dict[str, Any]:
    return {
        "functions": JOB_FUNCTIONS,
        "status_words": STATUS_WORDS,
        "is_owner": is_programme_owner(db.session, current_user),
    }


@bp.get("")
def index() -> Any:
    champions = confirmed_champions(db.session)
    by_function = [
        (JOB_FUNCTIONS.get(key, key), list(group))
        for key, group in groupby(champions, key=lambda champion: champion.job_function)
    ]
    return render_template(
        "champions/index.html",
        by_function=by_function,
        count=len(champions),
        mine=offer_of(db.session, current_user.id),
    )


def _volunteer_form(mine: Champion | None) -> VolunteerForm:
    form = VolunteerForm(obj=mine)
    if request.method == "GET":
        form.job_function.data = mine.job_function if mine else current_user.job_function
        form.scope.data = "team" if mine and mine.team_only else "function"
    return form


@bp.route("/volunteer", methods=["GET", "POST"])
def volunteer_page() -> Any:
    mine = offer_of(db.session, current_user.id)
    form = _volunteer_form(mine)
    if form.validate_on_submit():
        offer = Offer(
            job_function=form.job_function.data,
            team_only=form.scope.data == "team",
            why=form.why.data,
            helps_with=form.helps_with.data,
        )
        saved = volunteer(db.session, current_user, offer)
        db.session.commit()
        flash(
            "Saved: colleagues see what you help with."
            if saved.status == CONFIRMED
            else "Thank you! The AI programme team will answer; you will get a notification.",
            "success",
        )
        return redirect(url_for("champions.volunteer_page"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "champions/volunteer.html", form=form, mine=mine, scopes=SCOPES, action=ActionForm()
    ), status


@bp.post("/step-down")
def step_down_page() -> Any:
    mine = offer_of(db.session, current_user.id)
    if mine is None or mine.status not in {VOLUNTEERED, CONFIRMED}:
        not_found_for("stepping down without an offer")
    if ActionForm().validate_on_submit():
        step_down(db.session, mine)
        db.session.commit()
        flash("You are no longer listed as an AI champion. Thank you for your help.", "success")
    return redirect(url_for("champions.volunteer_page"))


def _manage_page(forms: dict[int, DecisionForm], status: int = 200) -> Any:
    offers = offers_to_decide(db.session)
    for offer in offers:
        forms.setdefault(offer.id, DecisionForm(formdata=None, prefix=f"c{offer.id}"))
    return render_template(
        "champions/manage.html", offers=offers, forms=forms, scopes=SCOPES
    ), status


@bp.get("/manage")
def manage() -> Any:
    require_programme_owner(db.session, current_user)
    return _manage_page({})


@bp.post("/<int:champion_id>/decide")
def decide_page(champion_id: int) -> Any:
    require_programme_owner(db.session, current_user)
    found = get_offer(db.session, champion_id)
    if found is None:
        not_found_for(f"no champion offer {champion_id}")
    if found.status == STEPPED_DOWN:
        flash(f"{found.person.name} has stepped down: nothing to decide.", "info")
        return redirect(url_for("champions.manage"))
    form = DecisionForm(prefix=f"c{champion_id}")
    if not form.validate_on_submit():
        return _manage_page({champion_id: form}, 400)
    changed = decide(db.session, found, form.status.data, form.note.data or "", current_user)
    db.session.commit()
    flash(
        f"Saved: {found.person.name} has been told." if changed else "Nothing changed.",
        "success" if changed else "info",
    )
    return redirect(url_for("champions.manage"))
