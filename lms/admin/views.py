"""Admin pages: people, roles, managers, deactivation, and the org chart import."""

from __future__ import annotations

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
from wtforms import SelectChoice

from lms.admin.forms import ActionForm, ImportForm, PersonForm
from lms.extensions import db
from lms.inputs import query_int
from lms.learn.forms import AccommodationForm, GrantAttemptForm
from lms.learn.grants import (
    GrantError,
    accommodation_choice,
    accommodation_of,
    course_slugs,
    grants_for,
    set_accommodation,
)
from lms.people.admin import PersonChanges, search_people, update_person
from lms.people.importer import OrgImportError, import_org_chart
from lms.people.models import JOB_FUNCTIONS, User
from lms.people.services import NewUser, PeopleError, create_user, issue_password_token
from lms.security import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@requires("admin")
def admins_only() -> None:
    """Every page here is for admins; others get 403 before any view runs."""


@bp.get("/people")
def people() -> Any:
    query = request.args.get("q", "").strip()[:100]
    page = search_people(db.session, query, query_int("page", 1))
    return render_template("admin/people.html", result=page, query=query)


def _get_person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _changes(form: PersonForm) -> PersonChanges:
    return PersonChanges(
        name=form.name.data or "",
        email=form.email.data or "",
        job_function=form.job_function.data or "",
        title=form.title.data or "",
        manager_email=form.manager_email.data or "",
        is_author=bool(form.is_author.data),
        is_admin=bool(form.is_admin.data),
        is_executive=bool(form.is_executive.data),
        active=bool(form.active.data),
    )


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person(user_id: int) -> Any:
    user = _get_person(user_id)
    form = PersonForm(obj=user)
    if request.method == "GET":
        form.manager_email.data = user.manager.email if user.manager else ""
    if form.validate_on_submit():
        try:
            update_person(db.session, user, _changes(form), acting=current_user)
        except PeopleError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved {user.name}.", "success")
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(form, user, None)


def _person_page(form: PersonForm, user: User, link: str | None) -> str:
    accommodation = accommodation_of(db.session, user.id)
    accommodation_form = AccommodationForm(
        choice=accommodation_choice(accommodation),
        note=accommodation.note if accommodation else "",
    )
    grant_form = GrantAttemptForm(back="admin")
    grant_form.course.choices = [SelectChoice(slug, slug) for slug in course_slugs(db.session)]
    return render_template(
        "admin/person.html",
        form=form,
        person=user,
        action_form=ActionForm(),
        link=link,
        accommodation_form=accommodation_form,
        grant_form=grant_form,
        grants=grants_for(db.session, user.id),
    )


@bp.post("/people/<int:user_id>/accommodation")
def accommodation(user_id: int) -> Any:
    user = _get_person(user_id)
    form = AccommodationForm()
    if not form.validate_on_submit():
        flash("Not saved: the note is too long, or the choice is not one of the list.", "error")
        return redirect(url_for("admin.person", user_id=user.id))
    try:
        set_accommodation(db.session, current_user, user, form.choice.data, form.note.data or "")
    except GrantError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Saved the time accommodation for {user.name}.", "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/new", methods=["GET", "POST"])
def new_person() -> Any:
    form = PersonForm()
    if form.validate_on_submit():
        changes = _changes(form)
        try:
            user = create_user(
                db.session,
                NewUser(
                    email=changes.email,
                    name=changes.name,
                    job_function=changes.job_function,
                    title=changes.title,
                    manager_email=changes.manager_email or None,
                    is_author=changes.is_author,
                    is_admin=changes.is_admin,
                    is_executive=changes.is_executive,
                ),
            )
        except PeopleError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Added {user.name}. Create a set-password link for them below.", "success")
            return redirect(url_for("admin.person", user_id=user.id))
    return render_template("admin/new_person.html", form=form)


@bp.post("/people/<int:user_id>/password-link")
def password_link(user_id: int) -> Any:
    user = _get_person(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    token = issue_password_token(db.session, user, current_app.config["SET_PASSWORD_TOKEN_HOURS"])
    db.session.commit()
    link = url_for("auth.set_password_with_token", token=token, _external=True)
    form = PersonForm(obj=user, manager_email=user.manager.email if user.manager else "")
    return _person_page(form, user, link)


@bp.route("/import", methods=["GET", "POST"])
def import_people() -> Any:
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = ["The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."]
        else:
            try:
                result = import_org_chart(db.session, text, acting=current_user)
            except OrgImportError as error:
                db.session.rollback()
                problems = [str(problem) for problem in error.problems]
            else:
                db.session.commit()
                flash(
                    f"Imported the org chart: {result.created} added, {result.updated} updated, "
                    f"{result.unchanged} unchanged.",
                    "success",
                )
                return redirect(url_for("admin.people"))
    status = 422 if problems else 200
    return (
        render_template(
            "admin/import.html", form=form, problems=problems, functions=list(JOB_FUNCTIONS)
        ),
        status,
    )
