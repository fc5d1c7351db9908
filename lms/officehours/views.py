"""Office-hours pages: upcoming sessions, a session (sign up, cancel, calendar file, "did this
help?"), "My sessions", and for hosts and programme owners: planning, editing, cancelling and
attendance. A session outside one's audience, or a host page of someone else's session, is 404.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.courses.vocabulary import COMPETENCIES
from lms.database import commit_once_despite_races
from lms.downloads import attachment
from lms.extensions import db
from lms.mail import send
from lms.officehours.access import (
    may_create,
    may_edit,
    may_host,
    may_take_attendance,
    require_creator,
    sees_everything,
    visible_to,
)
from lms.officehours.forms import ActionForm, AttendanceForm, FeedbackForm, SessionForm
from lms.officehours.ics import calendar_file
from lms.officehours.manage import (
    SessionData,
    answer_feedback,
    cancel_series,
    cancel_session,
    confirmed_people,
    create_sessions,
    mark_attendance,
    update_session,
)
from lms.officehours.models import CONFIRMED, OfficeHoursSession
from lms.officehours.pages import (
    audience_keys,
    audience_labels,
    hosting,
    my_sessions,
    queue,
    series_sessions,
    upcoming,
)
from lms.officehours.reminders import promotion_mail
from lms.officehours.seats import Promotion, SeatError, cancel_signup, own_signup, sign_up
from lms.officehours.times import TimeProblem, local, occurrences, when_text
from lms.officehours.vocabulary import HELPFUL
from lms.people.models import utcnow
from lms.people.services import find_user_by_email
from lms.security import not_found_for

bp = Blueprint("officehours", __name__, url_prefix="/office-hours")
MAX_QUERY = 100


@bp.context_processor
def words() -> dict[str, Any]:
    return {
        "may_create": may_create(db.session, current_user),
        "helpful_words": HELPFUL,
        "areas": COMPETENCIES,
        "when_text": when_text,
    }


def _session(office_hours_id: int) -> OfficeHoursSession:
    """The session if the viewer may see it (with its host), else 404."""
    found: OfficeHoursSession | None = db.session.scalar(
        select(OfficeHoursSession)
        .options(joinedload(OfficeHoursSession.host))
        .where(OfficeHoursSession.id == office_hours_id, visible_to(db.session, current_user))
    )
    if found is None:
        not_found_for(f"office hours {office_hours_id} not visible")
    return found


# ------------------------------------------------------------------------------ for everyone


@bp.get("/")
def index() -> Any:
    topic = request.args.get("q", "").strip()[:MAX_QUERY]
    area = request.args.get("area", "")
    if area not in COMPETENCIES:
        area = ""
    listed = upcoming(db.session, current_user, utcnow(), topic, area)
    return render_template("officehours/index.html", listed=listed, topic=topic, area=area)


@bp.get("/mine")
def mine() -> Any:
    now = utcnow()
    listed = my_sessions(db.session, current_user)
    coming = sorted(
        (item for item in listed if item.ends_at() > now and not item.session.cancelled_at),
        key=lambda item: item.session.starts_at,
    )
    past = [item for item in listed if item not in coming]
    return render_template("officehours/mine.html", coming=coming, past=past)


@bp.get("/<int:office_hours_id>")
def session_page(office_hours_id: int) -> Any:
    return _render_session(_session(office_hours_id), FeedbackForm())


def _render_session(
    office_hours: OfficeHoursSession, feedback: FeedbackForm, status: int = 200
) -> Any:
    signup = own_signup(db.session, office_hours.id, current_user.id)
    now = utcnow()
    return (
        render_template(
            "officehours/session.html",
            office_hours=office_hours,
            when=when_text(
                office_hours.starts_at, office_hours.duration_minutes, office_hours.time_zone
            ),
            audience=audience_labels(db.session, [office_hours.id]).get(office_hours.id, []),
            signup=signup,
            queue=queue(db.session, office_hours.id, current_user.id),
            seats_left=max(office_hours.capacity - office_hours.seats_taken, 0),
            started=office_hours.starts_at <= now,
            can_edit=may_edit(db.session, current_user, office_hours),
            can_attend=may_take_attendance(current_user, office_hours),
            feedback=feedback,
            action=ActionForm(),
        ),
        status,
    )


@bp.post("/<int:office_hours_id>/sign-up")
def sign_up_view(office_hours_id: int) -> Any:
    office_hours = _session(office_hours_id)
    if not ActionForm().validate_on_submit():
        return _render_session(office_hours, FeedbackForm(formdata=None), 400)
    try:
        signup = commit_once_despite_races(
            db.session, lambda: sign_up(db.session, office_hours_id, current_user)
        )
    except SeatError as error:
        flash(str(error), "error")
    else:
        if signup.status == CONFIRMED:
            flash("You have a seat. Add it to your calendar below.", "success")
        else:
            flash(
                "The session is full: you are on the waitlist and get a message if a seat "
                "comes free.",
                "success",
            )
    return redirect(url_for("officehours.session_page", office_hours_id=office_hours_id), code=303)


@bp.post("/<int:office_hours_id>/leave")
def leave(office_hours_id: int) -> Any:
    office_hours = _session(office_hours_id)
    if not ActionForm().validate_on_submit():
        return _render_session(office_hours, FeedbackForm(formdata=None), 400)
    try:
        promotion = cancel_signup(db.session, office_hours_id, current_user)
    except SeatError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        _send_promotions([promotion] if promotion else [])
        flash("Done: you are no longer signed up for this session.", "success")
    return redirect(url_for("officehours.session_page", office_hours_id=office_hours_id), code=303)


def _send_promotions(promotions: list[Promotion]) -> None:
    """Email the people who got a seat (their in-app notification is committed already)."""
    mails = [
        promotion_mail(
            item.name,
            item.email,
            item.title,
            item.when,
            url_for("officehours.session_page", office_hours_id=item.session_id, _external=True),
        )
        for item in promotions
    ]
    if mails:
        send(current_app.config, mails)


@bp.post("/<int:office_hours_id>/feedback")
def feedback(office_hours_id: int) -> Any:
    office_hours = _session(office_hours_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _render_session(office_hours, form, 400)
    try:
        answer_feedback(
            db.session, office_hours, current_user, form.helpful.data, form.comment.data or ""
        )
    except SeatError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Thank you: your host will read it.", "success")
    return redirect(url_for("officehours.session_page", office_hours_id=office_hours_id), code=303)


def _calendar_response(sessions: list[OfficeHoursSession], name: str) -> Response:
    base = str(current_app.config.get("BASE_URL") or request.url_root)
    body = calendar_file([(item, item.host.name) for item in sessions], base, name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = attachment(f"{name}.ics")
    return response


@bp.get("/<int:office_hours_id>/calendar.ics")
def calendar(office_hours_id: int) -> Any:
    office_hours = _session(office_hours_id)
    return _calendar_response([office_hours], office_hours.title)


@bp.get("/series/<int:series_id>/calendar.ics")
def series_calendar(series_id: int) -> Any:
    sessions = series_sessions(db.session, current_user, series_id)
    if not sessions:
        not_found_for(f"office hours series {series_id} not visible")
    return _calendar_response(sessions, sessions[0].title)


# ------------------------------------------------------------------ for hosts and programme owners


@bp.get("/hosting")
def hosting_page() -> Any:
    everyone = sees_everything(db.session, current_user)
    listed = hosting(db.session, current_user, utcnow(), everyone)
    return render_template(
        "officehours/hosting.html", listed=listed, everyone=everyone, now=utcnow()
    )


def _form_data(form: SessionForm, host_id: int, first_only: bool) -> SessionData | None:
    """The form as SessionData, or None with the time fields' errors set."""
    every_days = 0 if first_only else int(form.repeat.data or 0)
    count = 1 if not every_days else int(form.occurrences.data or 1)
    try:
        starts = occurrences(form.day.data, form.start.data, form.time_zone.data, every_days, count)
    except TimeProblem as error:
        form.start.errors = [*form.start.errors, str(error)]
        return None
    return SessionData(
        title=form.title.data,
        host_id=host_id,
        topic=form.topic.data,
        area=form.area.data or "",
        audience=list(form.audience.data or []),
        starts=starts,
        time_zone=form.time_zone.data,
        duration_minutes=int(form.duration.data),
        online_url=form.online_url.data or "",
        room=form.room.data or "",
        capacity=int(form.capacity.data),
        every_days=every_days,
    )


def _host_id(form: SessionForm, current: int | None) -> int | None:
    """The host the form names (programme owners pick one), or None with the field's error."""
    if form.host_email is None:  # only programme owners pick the host
        return current
    person = find_user_by_email(db.session, form.host_email.data)
    if person is None or not may_host(db.session, person):
        form.host_email.errors = [
            *form.host_email.errors,
            "This person cannot host: hosts are AI champions, course authors, AI programme owners "
            "and admins.",
        ]
        return None
    return person.id


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    require_creator(db.session, current_user)
    form = SessionForm()
    if request.method == "GET":
        form.host_email.data = current_user.email
    if form.validate_on_submit():
        host_id = _host_id(form, None)
        data = _form_data(form, host_id, first_only=False) if host_id else None
        if data is not None and data.starts[0] <= utcnow():
            form.day.errors = [*form.day.errors, "Pick a time in the future."]
        elif data is not None:
            created = create_sessions(db.session, data, current_user)
            db.session.commit()
            count = len(created)
            flash(f"Planned {count} session{'s' if count > 1 else ''}.", "success")
            return redirect(url_for("officehours.session_page", office_hours_id=created[0].id))
    status = 400 if request.method == "POST" else 200
    return render_template("officehours/edit.html", form=form, office_hours=None), status


def _editable(office_hours_id: int) -> OfficeHoursSession:
    office_hours = _session(office_hours_id)
    if not may_edit(db.session, current_user, office_hours):
        not_found_for(f"office hours {office_hours_id} not the viewer's to change")
    return office_hours


def _prefill(form: SessionForm, office_hours: OfficeHoursSession) -> None:
    start = local(office_hours.starts_at, office_hours.time_zone)
    form.title.data = office_hours.title
    if form.host_email is not None:
        form.host_email.data = office_hours.host.email
    form.topic.data = office_hours.topic
    form.area.data = office_hours.area
    form.audience.data = audience_keys(db.session, office_hours.id)
    form.day.data = start.date()
    form.start.data = start.time().replace(tzinfo=None)
    form.time_zone.data = office_hours.time_zone
    form.duration.data = office_hours.duration_minutes
    form.online_url.data = office_hours.online_url
    form.room.data = office_hours.room
    form.capacity.data = office_hours.capacity


@bp.route("/<int:office_hours_id>/edit", methods=["GET", "POST"])
def edit(office_hours_id: int) -> Any:
    office_hours = _editable(office_hours_id)
    form = SessionForm()
    del form.repeat, form.occurrences
    if not sees_everything(db.session, current_user):
        del form.host_email
    if request.method == "GET":
        _prefill(form, office_hours)
    elif form.validate_on_submit():
        host_id = _host_id(form, office_hours.host_id)
        data = _form_data(form, host_id, first_only=True) if host_id else None
        if data is not None:
            try:
                promotions = update_session(db.session, office_hours_id, data)
            except SeatError as error:
                db.session.rollback()
                form.capacity.errors = [*form.capacity.errors, str(error)]
            else:
                db.session.commit()
                _send_promotions(promotions)
                flash("Saved.", "success")
                return redirect(
                    url_for("officehours.session_page", office_hours_id=office_hours_id)
                )
    status = 400 if request.method == "POST" else 200
    return render_template("officehours/edit.html", form=form, office_hours=office_hours), status


@bp.post("/<int:office_hours_id>/cancel")
def cancel(office_hours_id: int) -> Any:
    _editable(office_hours_id)
    if ActionForm().validate_on_submit():
        cancel_session(db.session, office_hours_id)
        db.session.commit()
        flash("The session is cancelled; everyone signed up was told.", "success")
    return redirect(url_for("officehours.session_page", office_hours_id=office_hours_id), code=303)


@bp.post("/<int:office_hours_id>/cancel-series")
def cancel_whole_series(office_hours_id: int) -> Any:
    office_hours = _editable(office_hours_id)
    if ActionForm().validate_on_submit() and office_hours.series_id is not None:
        count = cancel_series(db.session, office_hours.series_id)
        db.session.commit()
        flash(f"Cancelled the {count} session(s) of the series still to come.", "success")
    return redirect(url_for("officehours.session_page", office_hours_id=office_hours_id), code=303)


@bp.route("/<int:office_hours_id>/attendance", methods=["GET", "POST"])
def attendance(office_hours_id: int) -> Any:
    office_hours = _session(office_hours_id)
    if not may_take_attendance(current_user, office_hours):
        not_found_for(f"office hours {office_hours_id}: attendance is the host's")
    people = confirmed_people(db.session, office_hours_id)
    form = AttendanceForm()
    form.present.choices = [(signup.id, person.name) for signup, person in people]
    if request.method == "GET":
        form.present.data = [signup.id for signup, _ in people if signup.attended_at]
    elif form.validate_on_submit():
        try:
            newly = mark_attendance(db.session, office_hours, set(form.present.data or []))
        except SeatError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Attendance saved ({len(newly)} newly marked as there).", "success")
        return redirect(
            url_for("officehours.attendance", office_hours_id=office_hours_id), code=303
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "officehours/attendance.html",
        office_hours=office_hours,
        people=people,
        form=form,
        started=office_hours.starts_at <= utcnow(),
        answers=_answers(people),
    ), status


def _answers(people: list[Any]) -> dict[str, int]:
    counts = dict.fromkeys(HELPFUL, 0)
    for signup, _ in people:
        if signup.helpful in counts:
            counts[signup.helpful] += 1
    return counts
