"""The use-case library's pages: the published list and a case (everyone), sharing and editing
one's own cases, "I tried this" and "Report for removal", and the reviewers' queue and decisions.

A case that is not published answers 404 to anyone but its author and the reviewers; review
pages answer 403 to anyone but champions and programme owners (lms.usecases.access).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from lms.courses.render import RenderError
from lms.courses.vocabulary import COMPETENCIES
from lms.database import commit_once_despite_races
from lms.extensions import db
from lms.inputs import query_int
from lms.people.models import JOB_FUNCTIONS
from lms.security import log_denial, not_found_for
from lms.tools.models import AiTool
from lms.tools.register import all_tools
from lms.usecases.access import is_reviewer, require_reviewer, visible_or_404
from lms.usecases.forms import (
    OTHER_TOOL,
    ActionForm,
    RemovalReportForm,
    ReviewForm,
    TriedForm,
    UseCaseForm,
)
from lms.usecases.library import (
    Filters,
    case_page,
    get_case,
    library_page,
    my_cases,
    review_queue,
)
from lms.usecases.models import UseCase
from lms.usecases.service import (
    CaseData,
    mark_tried,
    report_case,
    resolve_reports,
    review,
    save_case,
    submit_case,
)
from lms.usecases.vocabulary import ALLOWED_FROM, DECISIONS, EDITABLE, STATUSES

bp = Blueprint("usecases", __name__, url_prefix="/use-cases")
MAX_QUERY = 100


@bp.context_processor
def words() -> dict[str, Any]:
    return {
        "statuses": STATUSES,
        "functions": JOB_FUNCTIONS,
        "competencies": COMPETENCIES,
        "is_reviewer": is_reviewer(db.session, current_user),
    }


def _filters(register: list[AiTool]) -> Filters:
    function = request.args.get("function", "")
    area = request.args.get("area", "")
    tool = request.args.get("tool", "")
    known_tools = {str(tool.id) for tool in register} | {OTHER_TOOL}
    return Filters(
        query=" ".join(request.args.get("q", "").split())[:MAX_QUERY],
        job_function=function if function in JOB_FUNCTIONS else "",
        area=area if area in COMPETENCIES else "",
        tool=tool if tool in known_tools else "",
    )


@bp.get("")
def index() -> Any:
    register = all_tools(db.session)
    filters = _filters(register)
    return render_template(
        "usecases/index.html",
        result=library_page(db.session, filters, query_int("page", 1)),
        filters=filters,
        register=register,
    )


@bp.get("/<int:use_case_id>")
def detail(use_case_id: int) -> Any:
    found = visible_or_404(db.session, current_user, get_case(db.session, use_case_id), use_case_id)
    return _detail_page(found)


def _detail_page(
    found: UseCase,
    *,
    tried_form: TriedForm | None = None,
    report_form: RemovalReportForm | None = None,
    review_form: ReviewForm | None = None,
    status: int = 200,
) -> Any:
    reviewer = is_reviewer(db.session, current_user)
    info = case_page(db.session, found, current_user.id, reviewer=reviewer)
    if review_form is None and reviewer and found.author_id != current_user.id:
        review_form = _review_form(found, formdata=None)
    return render_template(
        "usecases/detail.html",
        info=info,
        case=found,
        tried_form=tried_form or TriedForm(formdata=None),
        report_form=report_form or RemovalReportForm(formdata=None),
        review_form=review_form if found.author_id != current_user.id else None,
        action_form=ActionForm(formdata=None),
    ), status


# ------------------------------------------------------------------------------ sharing


def _case_form(register: list[AiTool], found: UseCase | None) -> UseCaseForm:
    form = UseCaseForm(obj=found)
    form.tool.choices = [SelectChoice("", "Choose a tool")]
    form.tool.choices += [SelectChoice(str(tool.id), tool.name) for tool in register]
    form.tool.choices.append(SelectChoice(OTHER_TOOL, "Another tool (type its name below)"))
    if request.method == "GET":
        if found is None:
            form.job_function.data = current_user.job_function
        else:
            form.tool.data = str(found.tool_id) if found.tool_id else OTHER_TOOL
            form.other_tool.data = "" if found.tool_id else found.tool_name
            form.areas.data = found.areas
    return form


def _save(form: UseCaseForm, register: list[AiTool], found: UseCase | None) -> UseCase | None:
    """The saved case, or None with the form's errors set (nothing written)."""
    picked = next((tool for tool in register if str(tool.id) == form.tool.data), None)
    data = CaseData(
        title=form.title.data,
        task=form.task.data,
        tool=picked,
        other_tool=form.other_tool.data or "" if picked is None else "",
        steps=form.steps.data,
        checks=form.checks.data,
        risks=form.risks.data or "",
        minutes_saved=form.minutes_saved.data,
        job_function=form.job_function.data,
        areas=list(form.areas.data),
        show_name=bool(form.show_name.data),
    )
    try:
        return save_case(db.session, found, current_user, data, submit=bool(form.submit.data))
    except RenderError as error:
        db.session.rollback()
        form.steps.errors = [*form.steps.errors, f"The text {error.reason}."]
        return None


def _saved_message(case: UseCase) -> str:
    if case.status == "submitted":
        return "Waiting for review. You will get a notification when a reviewer decides."
    if case.status == "draft":
        return "Saved as a draft: only you can see it. Send it for review when it is ready."
    return "Saved. Send it for review when it is ready."


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    register = all_tools(db.session)
    form = _case_form(register, None)
    if form.validate_on_submit():
        saved = _save(form, register, None)
        if saved is not None:
            db.session.commit()
            flash(_saved_message(saved), "success")
            return redirect(url_for("usecases.detail", use_case_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("usecases/edit.html", form=form, case=None), status


def _own_editable(use_case_id: int) -> UseCase:
    found = get_case(db.session, use_case_id)
    if found is None or found.author_id != current_user.id:
        not_found_for(f"editing use case {use_case_id} of someone else")
    if found.status not in EDITABLE:
        flash("A published, declined or removed case can no longer be edited.", "info")
    return found


@bp.route("/<int:use_case_id>/edit", methods=["GET", "POST"])
def edit(use_case_id: int) -> Any:
    found = _own_editable(use_case_id)
    if found.status not in EDITABLE:
        return redirect(url_for("usecases.detail", use_case_id=use_case_id))
    register = all_tools(db.session)
    form = _case_form(register, found)
    if form.validate_on_submit():
        saved = _save(form, register, found)
        if saved is not None:
            db.session.commit()
            flash(_saved_message(saved), "success")
            return redirect(url_for("usecases.detail", use_case_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("usecases/edit.html", form=form, case=found), status


@bp.post("/<int:use_case_id>/submit")
def submit(use_case_id: int) -> Any:
    found = _own_editable(use_case_id)
    if found.status in EDITABLE and ActionForm().validate_on_submit():
        submit_case(db.session, found, current_user)
        db.session.commit()
        flash(_saved_message(found), "success")
    return redirect(url_for("usecases.detail", use_case_id=use_case_id))


@bp.get("/mine")
def mine() -> Any:
    return render_template("usecases/mine.html", cases=my_cases(db.session, current_user.id))


# ------------------------------------------------------------------ trying and reporting


def _published_or_404(use_case_id: int) -> UseCase:
    found = get_case(db.session, use_case_id)
    if found is None or found.status != "published":
        not_found_for(f"use case {use_case_id} that is not published")
    return found


@bp.post("/<int:use_case_id>/tried")
def tried(use_case_id: int) -> Any:
    found = _published_or_404(use_case_id)
    form = TriedForm()
    if not form.validate_on_submit():
        return _detail_page(found, tried_form=form, status=400)
    user, minutes = current_user._get_current_object(), form.minutes_saved.data
    first = commit_once_despite_races(
        db.session, lambda: mark_tried(db.session, found, user, minutes)
    )
    flash("Thank you for saying so." if first else "You had already said you tried it.", "success")
    return redirect(url_for("usecases.detail", use_case_id=use_case_id))


@bp.post("/<int:use_case_id>/report")
def report(use_case_id: int) -> Any:
    found = _published_or_404(use_case_id)
    form = RemovalReportForm()
    if not form.validate_on_submit():
        return _detail_page(found, report_form=form, status=400)
    sent = report_case(db.session, found, current_user, form.reason.data)
    db.session.commit()
    flash(
        "Thank you: the reviewers will look at it."
        if sent
        else "You reported it already; the reviewers will look at it.",
        "success",
    )
    return redirect(url_for("usecases.detail", use_case_id=use_case_id))


# ------------------------------------------------------------------------------ reviewing


def _review_form(found: UseCase, formdata: Any = ...) -> ReviewForm:
    form = ReviewForm() if formdata is ... else ReviewForm(formdata=formdata)
    form.decision.choices = [
        SelectChoice(key, label)
        for key, label in DECISIONS.items()
        if found.status in ALLOWED_FROM[key]
    ]
    return form


@bp.get("/review")
def queue() -> Any:
    require_reviewer(db.session, current_user)
    return render_template("usecases/review.html", queue=review_queue(db.session))


def _reviewable(use_case_id: int) -> UseCase:
    require_reviewer(db.session, current_user)
    found = get_case(db.session, use_case_id)
    if found is None:
        not_found_for(f"no use case {use_case_id}")
    if found.author_id == current_user.id:
        log_denial("reviewing one's own use case")
        abort(403)
    return found


@bp.post("/<int:use_case_id>/review")
def decide(use_case_id: int) -> Any:
    found = _reviewable(use_case_id)
    form = _review_form(found)
    if not form.validate_on_submit():
        return _detail_page(found, review_form=form, status=400)
    if review(db.session, found, form.decision.data, form.note.data or "", current_user):
        db.session.commit()
        flash(f"Saved: {found.author.name} has been told.", "success")
    else:
        flash("That is no longer possible: someone decided first.", "info")
    return redirect(url_for("usecases.detail", use_case_id=use_case_id))


@bp.post("/<int:use_case_id>/keep")
def keep(use_case_id: int) -> Any:
    """Close the open removal reports and keep the case published."""
    found = _reviewable(use_case_id)
    if ActionForm().validate_on_submit():
        resolve_reports(db.session, found, current_user)
        db.session.commit()
        flash("The reports are closed; the case stays in the library.", "success")
    return redirect(url_for("usecases.detail", use_case_id=use_case_id))
