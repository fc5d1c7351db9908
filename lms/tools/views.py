"""The AI tools pages: the register (everyone), keeping it and the settings (programme owners),
"tell us what you use" (everyone), triage (programme owners) and the usage totals (leaders).

Role checks answer 403 (lms.tools.access); a report outside one's own answers 404, so its
existence is not confirmed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from lms.courses.render import RenderError
from lms.extensions import db
from lms.inputs import query_int
from lms.people.services import find_user_by_email
from lms.pulse.views import minimum_group
from lms.security import not_found_for, requires
from lms.tools.access import (
    is_programme_owner,
    may_see_usage,
    require_programme_owner,
    require_usage_viewer,
)
from lms.tools.content import load_values, unfilled_in_use
from lms.tools.forms import (
    OTHER_TOOL,
    ActionForm,
    OwnerForm,
    ReportForm,
    SettingsForm,
    ToolForm,
    TriageForm,
)
from lms.tools.models import AiTool, ProgrammeSettings
from lms.tools.register import (
    ToolData,
    all_tools,
    delete_tool,
    get_tool,
    name_taken,
    save_tool,
    search_tools,
)
from lms.tools.reports import (
    ReportData,
    change_status,
    get_report,
    my_reports,
    outcome_words,
    submit_report,
    triage_page,
)
from lms.tools.settings import (
    OwnerError,
    SettingsData,
    add_programme_owner,
    current_settings,
    programme_owners,
    remove_programme_owner,
    save_settings,
)
from lms.tools.usage import usage_summary
from lms.tools.vocabulary import (
    ALLOWANCE_SYMBOLS,
    ALLOWANCES,
    DATA_CLASSES,
    FREQUENCIES,
    LICENCES,
    PAY_BANDS,
    REPORT_KINDS,
    STATUSES,
)

bp = Blueprint("tools", __name__, url_prefix="/tools")
MAX_QUERY = 100


@bp.context_processor
def words() -> dict[str, Any]:
    return {
        "data_classes": DATA_CLASSES,
        "allowances": ALLOWANCES,
        "allowance_symbols": ALLOWANCE_SYMBOLS,
        "licences": LICENCES,
        "statuses": STATUSES,
        "frequencies": FREQUENCIES,
        "pay_bands": PAY_BANDS,
        "report_kinds": REPORT_KINDS,
        "outcome_words": outcome_words,
        "is_owner": is_programme_owner(db.session, current_user),
        "sees_usage": may_see_usage(db.session, current_user),
    }


# ------------------------------------------------------------------------------ the register


@bp.get("/")
def index() -> Any:
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    allowed_for = request.args.get("data", "")
    if allowed_for not in DATA_CLASSES:
        allowed_for = ""
    return render_template(
        "tools/index.html",
        tools=search_tools(db.session, query, allowed_for),
        settings=current_settings(db.session),
        query=query,
        allowed_for=allowed_for,
    )


@bp.get("/<int:tool_id>")
def tool(tool_id: int) -> Any:
    found = get_tool(db.session, tool_id)
    if found is None:
        not_found_for(f"no AI tool {tool_id}")
    return render_template("tools/tool.html", tool=found, delete_form=ActionForm())


def _tool_form(tool: AiTool | None) -> ToolForm:
    form = ToolForm(obj=tool)
    if request.method == "GET" and tool is not None and tool.owner is not None:
        form.owner_email.data = tool.owner.email
    if request.method == "GET" and tool is None:
        form.name.data = request.args.get("name", "").strip()[:100]
        for field in form.data_fields():
            field.data = "ask-first"
    return form


def _save_tool_form(form: ToolForm, tool: AiTool | None) -> AiTool | None:
    """The saved tool, or None with the form's errors set."""
    if name_taken(db.session, form.name.data, tool.id if tool else None):
        form.name.errors = [*form.name.errors, "The register already has a tool with this name."]
    owner = find_user_by_email(db.session, form.owner_email.data) if form.owner_email.data else None
    if form.owner_email.data and (owner is None or not owner.active):
        form.owner_email.errors = [
            *form.owner_email.errors,
            "No one active in the organisation has this email.",
        ]
    if form.name.errors or form.owner_email.errors:
        return None
    data = ToolData(
        name=form.name.data,
        purpose=form.purpose.data,
        allowances=form.allowances(),
        access=form.access.data,
        owner_id=owner.id if owner else None,
        licence=form.licence.data,
        notes=form.notes.data or "",
    )
    return save_tool(db.session, tool, data, current_user)


@bp.route("/new", methods=["GET", "POST"])
def new_tool() -> Any:
    require_programme_owner(db.session, current_user)
    form = _tool_form(None)
    if form.validate_on_submit():
        saved = _save_tool_form(form, None)
        if saved is not None:
            db.session.commit()
            flash(f"“{saved.name}” is in the register.", "success")
            return redirect(url_for("tools.tool", tool_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("tools/edit.html", form=form, tool=None), status


@bp.route("/<int:tool_id>/edit", methods=["GET", "POST"])
def edit_tool(tool_id: int) -> Any:
    require_programme_owner(db.session, current_user)
    found = get_tool(db.session, tool_id)
    if found is None:
        not_found_for(f"no AI tool {tool_id}")
    form = _tool_form(found)
    if form.validate_on_submit():
        saved = _save_tool_form(form, found)
        if saved is not None:
            db.session.commit()
            flash(f"Saved “{saved.name}”.", "success")
            return redirect(url_for("tools.tool", tool_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("tools/edit.html", form=form, tool=found), status


@bp.post("/<int:tool_id>/delete")
def remove_tool(tool_id: int) -> Any:
    require_programme_owner(db.session, current_user)
    found = get_tool(db.session, tool_id)
    if found is None:
        not_found_for(f"no AI tool {tool_id}")
    if ActionForm().validate_on_submit():
        name = found.name
        delete_tool(db.session, found)
        db.session.commit()
        flash(f"“{name}” is no longer in the register.", "success")
    return redirect(url_for("tools.index"))


# ------------------------------------------------------------------------------ settings


def _settings_page(
    settings: ProgrammeSettings, form: SettingsForm, owner_form: OwnerForm, status: int = 200
) -> Any:
    values = load_values(db.session, settings)
    return render_template(
        "tools/settings.html",
        form=form,
        owner_form=owner_form,
        missing=unfilled_in_use(db.session, values),
        owners=programme_owners(db.session) if current_user.is_admin else [],
    ), status


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Any:
    require_programme_owner(db.session, current_user)
    stored = current_settings(db.session)
    form = SettingsForm(obj=stored)
    if form.validate_on_submit():
        data = SettingsData(
            **{name: form[name].data or "" for name in SettingsData.__dataclass_fields__}
        )
        try:
            save_settings(db.session, data, current_user)
        except RenderError as error:
            db.session.rollback()
            form.data_card_markdown.errors = [f"The card {error.reason}."]
        else:
            db.session.commit()
            flash("Settings saved; courses that use them show the new values.", "success")
            return redirect(url_for("tools.settings"))
    status = 400 if request.method == "POST" else 200
    return _settings_page(stored, form, OwnerForm(formdata=None), status)


@bp.post("/settings/owners")
@requires("admin")
def add_owner() -> Any:
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            person = add_programme_owner(db.session, form.email.data, current_user)
        except OwnerError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            flash(f"{person.name} now runs the AI programme with you.", "success")
            return redirect(url_for("tools.settings"))
    stored = current_settings(db.session)
    return _settings_page(stored, SettingsForm(formdata=None, obj=stored), form, 400)


@bp.post("/settings/owners/<int:user_id>/remove")
@requires("admin")
def remove_owner(user_id: int) -> Any:
    if ActionForm().validate_on_submit():
        person = remove_programme_owner(db.session, user_id)
        if person is None:
            not_found_for(f"user {user_id} is not a programme owner")
        db.session.commit()
        flash(f"{person.name} no longer runs the AI programme.", "success")
    return redirect(url_for("tools.settings"))


# ----------------------------------------------------------------- tell us what you use


def _report_form(register: list[AiTool]) -> ReportForm:
    form = ReportForm()
    form.tool.choices = [SelectChoice("", "Choose a tool")]
    form.tool.choices += [SelectChoice(str(tool.id), tool.name) for tool in register]
    form.tool.choices.append(SelectChoice(OTHER_TOOL, "Another tool (type its name below)"))
    if request.method == "GET" and request.args.get("kind") in REPORT_KINDS:
        form.kind.data = request.args["kind"]
    return form


@bp.route("/report", methods=["GET", "POST"])
def report() -> Any:
    register = all_tools(db.session)
    form = _report_form(register)
    if form.validate_on_submit():
        picked = next((tool for tool in register if str(tool.id) == form.tool.data), None)
        data = ReportData(
            kind=form.kind.data,
            tool=picked,
            other_name=form.other_name.data or "",
            frequency=form.frequency.data,
            pays=form.pays.data,
            reason=form.reason.data,
        )
        saved = submit_report(db.session, current_user, data, register)
        db.session.commit()
        flash("Thank you. The AI programme team will look at it; you will see the outcome here.")
        return redirect(url_for("tools.report_detail", report_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("tools/report.html", form=form), status


@bp.get("/reports")
def reports() -> Any:
    return render_template("tools/my_reports.html", reports=my_reports(db.session, current_user.id))


def _visible_report(report_id: int) -> Any:
    found = get_report(db.session, report_id)
    if found is None or (
        found.user_id != current_user.id and not is_programme_owner(db.session, current_user)
    ):
        not_found_for(f"tool report {report_id} of someone else")
    return found


def _triage_form(register: list[AiTool], found: Any) -> TriageForm:
    form = TriageForm(obj=found)  # a POST's own values win over the report's
    form.covered_by.choices = [SelectChoice("", "Choose an approved tool")]
    form.covered_by.choices += [SelectChoice(str(tool.id), tool.name) for tool in register]
    if request.method == "GET" and found.covered_by_id:
        form.covered_by.data = str(found.covered_by_id)
    return form


@bp.get("/reports/<int:report_id>")
def report_detail(report_id: int) -> Any:
    found = _visible_report(report_id)
    form = None
    if is_programme_owner(db.session, current_user):
        form = _triage_form(all_tools(db.session), found)
    return render_template("tools/report_detail.html", report=found, form=form)


@bp.post("/reports/<int:report_id>/status")
def triage(report_id: int) -> Any:
    require_programme_owner(db.session, current_user)
    found = _visible_report(report_id)
    register = all_tools(db.session)
    form = _triage_form(register, found)
    if form.validate_on_submit():
        covered = next((tool for tool in register if str(tool.id) == form.covered_by.data), None)
        changed = change_status(
            db.session, found, form.status.data, form.response.data or "", covered, current_user
        )
        db.session.commit()
        flash(
            f"Saved: {found.reporter.name} has been told."
            if changed
            else "Nothing changed, so nobody was told.",
            "success" if changed else "info",
        )
        return redirect(url_for("tools.report_detail", report_id=report_id))
    return render_template("tools/report_detail.html", report=found, form=form), 400


@bp.get("/triage")
def triage_list() -> Any:
    require_programme_owner(db.session, current_user)
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = triage_page(db.session, status, query_int("page", 1))
    return render_template("tools/triage.html", result=page, status=status)


@bp.get("/usage")
def usage() -> Any:
    require_usage_viewer(db.session, current_user)
    return render_template("tools/usage.html", usage=usage_summary(db.session, minimum_group()))
