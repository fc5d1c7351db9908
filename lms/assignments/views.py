"""Managers assign courses to people in their subtree and follow them up."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lms.assignments.forms import AssignForm
from lms.assignments.service import (
    OutsideScope,
    assign_course,
    assignments_for_manager,
    people_in_scope,
)
from lms.courses.models import Course
from lms.extensions import db
from lms.inputs import query_int
from lms.learn.service import published_courses
from lms.navigation import viewer_is_manager
from lms.people.models import User, utcnow
from lms.security import log_denial, not_found_for

bp = Blueprint("assignments", __name__, url_prefix="/assignments")


@bp.before_request
def managers_only() -> None:
    """Assigning is for people with reports; everyone else gets 403 on every page here."""
    if not viewer_is_manager():
        log_denial("not a manager")
        abort(403)


@bp.get("/")
def index() -> Any:
    status = request.args.get("status", "")
    if status not in {"", "open", "overdue", "done"}:
        status = ""
    result = assignments_for_manager(
        db.session,
        current_user,
        utcnow().date(),
        status=status,
        page=query_int("page", 1),
    )
    return render_template("assignments/index.html", result=result, status=status)


def _form() -> AssignForm:
    form = AssignForm()
    form.course.choices = [SelectChoice("", "Choose a course")] + [
        SelectChoice(course.slug, version.title)
        for course, version in published_courses(db.session)
    ]
    reports = db.session.execute(
        select(User.id, User.name, User.title)
        .where(User.manager_id == current_user.id, User.active.is_(True))
        .order_by(User.name)
    ).all()
    form.people.choices = [
        SelectChoice(str(user_id), f"{name} ({title})" if title else name)
        for user_id, name, title in reports
    ]
    return form


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    form = _form()
    if request.method == "GET" and request.args.get("course"):
        form.course.data = request.args["course"]
    if form.validate_on_submit():
        course = db.session.scalar(select(Course).where(Course.slug == form.course.data))
        if course is None or course.current_version_id is None:
            form.course.errors = [*form.course.errors, "Choose a published course."]
        else:
            try:
                ids = people_in_scope(
                    db.session,
                    current_user,
                    form.scope.data,
                    form.people.data or [],
                    form.email_list(),
                )
            except OutsideScope:
                db.session.rollback()
                not_found_for("assignment to someone outside the manager's subtree")
            if not ids:
                form.scope.errors = [*form.scope.errors, "There is no one to assign to."]
            else:
                result = assign_course(
                    db.session,
                    current_user,
                    course,
                    ids,
                    form.due_on.data,
                    (form.note.data or "").strip(),
                )
                db.session.commit()
                people = result.assigned + result.updated
                title = course.current_version.title if course.current_version else course.slug
                message = f"Assigned “{title}” to {people} {'person' if people == 1 else 'people'}"
                details = []
                if result.updated:
                    details.append(f"{result.updated} already assigned: due date and note updated")
                if result.already_complete:
                    details.append(f"{result.already_complete} had already completed it")
                flash(message + (f" ({'; '.join(details)})" if details else "") + ".", "success")
                return redirect(url_for("assignments.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("assignments/new.html", form=form), status
