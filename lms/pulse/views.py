"""Answering the pulse (everyone) and the executive results (executives and admins)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import InputRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.extensions import db
from lms.inputs import db_int
from lms.org.charts import line_chart, position, stacked_bar
from lms.org.service import leaders_shown
from lms.people.models import JOB_FUNCTIONS, utcnow
from lms.pulse import results as pulse_results
from lms.pulse.models import PulseQuestion
from lms.pulse.service import (
    LIKERT_LABELS,
    NONE_OF_THESE,
    YES_NO_LABELS,
    AlreadyAnswered,
    Answer,
    PulseError,
    answered_rounds,
    get_live_pulse,
    live_pulses,
    live_questions,
    next_round,
    round_start,
    submit_answers,
)
from lms.security import requires

bp = Blueprint("pulse", __name__, url_prefix="/pulse")


def minimum_group() -> int:
    return max(2, int(current_app.config.get("PULSE_MIN_GROUP", 5)))


def today() -> date:
    return utcnow().date()


def tick_one_or_more(form: Any, field: Field) -> None:
    """Like InputRequired, without marking every checkbox ``required`` (only one is needed)."""
    if not field.data:
        raise StopValidation("Please tick at least one option.")


class NoneAlone:
    """A choose-any question's "none of these" option cannot be ticked with another one."""

    def __init__(self, question: PulseQuestion) -> None:
        self.none = {o.value: o.label for o in question.live_options if o.key == NONE_OF_THESE}

    def __call__(self, form: Any, field: Field) -> None:
        picked = set(field.data or [])
        for value, label in self.none.items():
            if value in picked and len(picked) > 1:
                raise ValidationError(f"“{label}” cannot be ticked together with another option.")


def question_field(question: PulseQuestion) -> Field:
    """Radio buttons for one answer (scale, yes/no, choose one); checkboxes for choose any."""
    if question.kind == "choose-any":
        return SelectMultipleField(
            question.text,
            choices=[SelectChoice(o.value, o.label) for o in question.live_options],
            coerce=db_int,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            validators=[tick_one_or_more, NoneAlone(question)],
        )
    if question.kind == "choose-one":
        labels = {o.value: o.label for o in question.live_options}
    else:
        labels = YES_NO_LABELS if question.kind == "yes-no" else LIKERT_LABELS
    return RadioField(
        question.text,
        choices=[SelectChoice(str(value), label) for value, label in labels.items()],
        validators=[InputRequired("Please answer this question.")],
    )


def answer_form(questions: list[PulseQuestion], formdata: Any = None) -> Any:
    """One field per question; every question must be answered."""

    class AnswerForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
        pass

    for question in questions:
        setattr(AnswerForm, f"q{question.id}", question_field(question))
    return AnswerForm(formdata=formdata)


def form_answers(form: Any, questions: list[PulseQuestion]) -> dict[int, Answer]:
    """A validated form's answers: a value per question, the picked values for choose any."""
    answers: dict[int, Answer] = {}
    for question in questions:
        data = getattr(form, f"q{question.id}").data
        answers[question.id] = list(data) if question.kind == "choose-any" else int(data)
    return answers


@bp.get("/")
def index() -> Any:
    day = today()
    pulses = live_pulses(db.session, day)
    done = answered_rounds(db.session, current_user.id, [p.id for p in pulses])
    items = []
    for pulse in pulses:
        start = round_start(pulse, day)
        answered = (pulse.id, start) in done
        questions = [] if answered else live_questions(db.session, pulse.id)
        items.append(
            {
                "pulse": pulse,
                "start": start,
                "next": next_round(pulse, start) if start else None,
                "answered": answered,
                "form": None if answered or not questions else answer_form(questions),
                "questions": questions,
            }
        )
    return render_template("pulse/index.html", items=items, leaders_shown=leaders_shown(db.session))


@bp.post("/<slug>")
def answer(slug: str) -> Any:
    day = today()
    pulse = get_live_pulse(db.session, slug, day)
    if pulse is None:
        abort(404)
    questions = live_questions(db.session, pulse.id)
    form = answer_form(questions, request.form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        start = round_start(pulse, day)
        item = {
            "pulse": pulse,
            "start": start,
            "next": next_round(pulse, start) if start else None,
            "answered": False,
            "form": form,
            "questions": questions,
        }
        return render_template(
            "pulse/index.html", items=[item], leaders_shown=leaders_shown(db.session)
        ), 400
    answers = form_answers(form, questions)
    try:
        submit_answers(db.session, current_user, pulse, questions, answers, day)
    except AlreadyAnswered as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("pulse.index"))
    except PulseError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("pulse.index"))
    db.session.commit()
    flash("Thank you! Your answers were added anonymously.", "success")
    return redirect(url_for("pulse.index"))


@bp.get("/results")
@requires("executive")
def results() -> Any:
    pulses = pulse_results.results_pulses(db.session)
    if not pulses:
        return render_template("pulse/results.html", pulses=[], result=None)
    wanted = request.args.get("pulse", "")
    pulse = next((p for p in pulses if p.slug == wanted), pulses[0])
    selected: date | None = None
    try:
        selected = date.fromisoformat(request.args.get("round", ""))
    except ValueError:
        selected = None
    result = pulse_results.pulse_results(db.session, pulse, selected, minimum_group(), today())
    return render_template(
        "pulse/results.html",
        pulses=pulses,
        result=result,
        charts=_charts(result),
        group_labels=pulse_results.GROUP_LABELS,
        functions=JOB_FUNCTIONS,
        likert=LIKERT_LABELS,
        yes_no=YES_NO_LABELS,
        position=position,
        stacked_bar=stacked_bar,
    )


def _charts(result: pulse_results.PulseResults) -> dict[int, Any]:
    """A line chart per question: each group's mean per released round. A round where a group
    is hidden (too small, or inside Leaders) is a gap: its line breaks there."""
    charts = {}
    labels = [summary.start.strftime("%d %b %y") for summary in result.released_rounds]
    for row in result.trend:
        yes_no = row.question.kind == "yes-no"
        series = []
        for group in result.trend_groups:
            values: list[float | None] = []
            for _, cells in row.points:
                cell = cells.get(group)
                mean = cell.mean if cell is not None and cell.shown else None
                values.append(None if mean is None else (mean * 100 if yes_no else mean))
            series.append((pulse_results.GROUP_LABELS[group], f"series-{group}", values))
        charts[row.question.id] = line_chart(
            labels,
            series,
            y_min=0 if yes_no else 1,
            y_max=100 if yes_no else 5,
            y_format="{:.0f}%" if yes_no else "{:.0f}",
            height=180,
        )
    return charts
