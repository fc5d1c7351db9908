"""Managers assign courses to people in their subtree and follow them up."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lms.assignments.forms import AssignForm, AssignPersonForm, CourseDueForm, RemindGroupForm
from lms.assignments.progress import GroupNotFound, GroupReminder, group_progress, remind_group
from lms.assignments.service import (
    AssignResult,
    OutsideScope,
    assign_course,
    assignments_for_manager,
    people_in_scope,
)
from lms.courses.models import Course
from lms.extensions import db
from lms.inputs import query_int
from lms.learn.service import published_courses
from lms.mail import send
from lms.navigation import viewer_is_manager
from lms.people.models import User, utcnow
from lms.security import log_denial, not_found_for
from lms.team.back import back_label, back_token, back_url
from lms.team.reminders import person_in_subtree

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
    today = utcnow().date()
    result = assignments_for_manager(
        db.session,
        current_user,
        today,
        status=status,
        page=query_int("page", 1),
    )
    return render_template(
        "assignments/index.html",
        result=result,
        status=status,
        groups=group_progress(db.session, current_user.id, today, query_int("groups", 1)),
        today=today,
    )


def _course_choices(form: CourseDueForm) -> None:
    form.course.choices = [SelectChoice("", "Choose a course")] + [
        SelectChoice(course.slug, version.title)
        for course, version in published_courses(db.session)
    ]


def _published_course(slug: str | None) -> Course | None:
    course = db.session.scalar(select(Course).where(Course.slug == (slug or "")))
    offered = course is not None and course.current_version_id and course.retired_at is None
    return course if offered else None


def _form() -> AssignForm:
    form = AssignForm()
    _course_choices(form)
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
        course = _published_course(form.course.data)
        if course is None:
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
    elif request.method == "POST":
        _explain_retired(form)
    status = 400 if request.method == "POST" else 200
    return render_template("assignments/new.html", form=form), status


def _explain_retired(form: CourseDueForm) -> None:
    """A retired course is no choice any more: say so instead of "Not a valid choice"."""
    if not form.course.errors or not form.course.data:
        return
    course = db.session.scalar(select(Course).where(Course.slug == form.course.data))
    if course is not None and course.retired_at is not None:
        title = course.current_version.title if course.current_version else course.slug
        form.course.errors = [
            f"“{title}” has been retired by its authors: it can no longer be assigned. "
            "Choose another course."
        ]


@bp.route("/new/<int:user_id>", methods=["GET", "POST"])
def new_for_person(user_id: int) -> Any:
    """Assign a course to one person in one's subtree, from the team pages, then go back there."""
    person = person_in_subtree(db.session, current_user.id, user_id)
    if person is None:
        not_found_for(f"assignment form for user {user_id} outside the org subtree")
    form = AssignPersonForm()
    form.note.label.text = f"Note to {person.name} (optional)"
    _course_choices(form)
    if request.method == "GET":
        form.back.data = back_token(request.args.get("back")) or "person"
        form.course.data = request.args.get("course", "")
    back = back_url(form.back.data, person.id)
    if form.validate_on_submit():
        course = _published_course(form.course.data)
        if course is None:
            form.course.errors = [*form.course.errors, "Choose a published course."]
        else:
            due_on: date = form.due_on.data
            result = assign_course(
                db.session,
                current_user,
                course,
                [person.id],
                due_on,
                (form.note.data or "").strip(),
            )
            db.session.commit()
            flash(_assigned_message(result, course, person.name, due_on), "success")
            return redirect(back, code=303)
    elif request.method == "POST":
        _explain_retired(form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "assignments/new.html",
        form=form,
        person=person,
        back=back,
        back_label=back_label(form.back.data, person.name),
    ), status


def _assigned_message(result: AssignResult, course: Course, name: str, due_on: date) -> str:
    title = course.current_version.title if course.current_version else course.slug
    if result.already_complete:
        return f"{name} has already completed “{title}”."
    if result.updated:
        return f"“{title}” was already assigned to {name}: it is now due on {due_on:%d %b %Y}."
    return f"Assigned “{title}” to {name}, due {due_on:%d %b %Y}."


@bp.post("/remind")
def remind() -> Any:
    """Remind, in the app and by email, the people in one's subtree who have not completed a
    course assigned with a due date; once a day per manager, course and due date."""
    form = RemindGroupForm()
    due_on = _iso_day(form.due_on.data) if form.validate_on_submit() else None
    if due_on is None:
        not_found_for("group reminder without a course or due date")
    base_url = str(current_app.config.get("BASE_URL") or request.host_url)
    try:
        result = remind_group(
            db.session, current_user, form.course.data, due_on, utcnow(), base_url
        )
    except GroupNotFound:
        db.session.rollback()
        not_found_for("group reminder for an assignment outside the org subtree")
    if result.everyone_done or result.already_today:
        db.session.rollback()
        flash(
            f"Everyone assigned “{result.course}” by that date has completed it."
            if result.everyone_done
            else f"You already reminded them about “{result.course}” today. "
            "You can remind them again tomorrow.",
            "error",
        )
    else:
        _send_group_reminders(result)
    return redirect(url_for("assignments.index", _anchor="progress"), code=303)


def _send_group_reminders(result: GroupReminder) -> None:
    """Send the emails; keep the reminders (and the in-app notifications) unless none went."""
    report = send(current_app.config, result.mails)
    if report.failed == result.reminded:
        db.session.rollback()
        flash("The reminders could not be sent. Please try again later.", "error")
        return
    db.session.commit()
    people = f"{result.reminded} {'person' if result.reminded == 1 else 'people'}"
    message = f"Reminded {people} who have not completed “{result.course}”."
    if report.failed:
        message += (
            f" The email to {report.failed} of them could not be sent; "
            "they have the reminder in the app."
        )
    flash(message, "success")


def _iso_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None
