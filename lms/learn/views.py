"""Learner pages: catalog, course, module, attempts, baseline. GETs read; POSTs change state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms.courses.models import CourseAsset
from lms.courses.vocabulary import AUDIENCES, COMPETENCIES, LEVELS
from lms.database import commit_once_despite_races
from lms.downloads import attachment
from lms.extensions import db
from lms.learn import baseline as baseline_flow
from lms.learn import grants, outcome, quiz, service
from lms.learn.forms import GrantAttemptForm
from lms.learn.models import Attempt, BaselineProgress
from lms.learn.service import CatalogFilters, LearnError
from lms.learn.starting_point import BASELINE_CEILING, starting_point
from lms.literacy.descriptors import AREA_HINTS, DESCRIPTORS
from lms.navigation import viewer_is_manager
from lms.openbadges.urls import BaseUrlMissing, absolute
from lms.people.models import User
from lms.recognition.service import Earned, earned_with
from lms.security import not_found_for
from lms.usecases.library import related_cases

bp = Blueprint("learn", __name__)


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A POST button: carries the CSRF token and nothing else."""


def _published_or_404(slug: str) -> tuple[Any, Any]:
    found = service.get_published(db.session, slug)
    if found is None:
        abort(404)
    return found


@bp.get("/courses")
def catalog() -> Any:
    level_text = request.args.get("level", "")
    filters = CatalogFilters(
        query=request.args.get("q", "").strip()[:100],
        function=request.args.get("function", ""),
        competency=request.args.get("competency", ""),
        length=request.args.get("length", ""),
        level=int(level_text) if level_text.isdigit() else None,
    )
    entries = service.catalog(db.session, current_user, filters, manager=viewer_is_manager())
    return render_template(
        "learn/catalog.html",
        recommended=[e for e in entries if e.recommended],
        others=[e for e in entries if not e.recommended],
        filters=filters,
        audiences=AUDIENCES,
        competencies=COMPETENCIES,
        levels=LEVELS,
    )


@bp.get("/courses/<slug>")
def course(slug: str) -> Any:
    found = service.get_published_for(db.session, current_user.id, slug)
    if found is None:
        abort(404)
    course, version, enrolment = found
    progress = service.course_progress(
        db.session, current_user.id, course, version, enrolment, enrolment_known=True
    )
    quiz_status = (
        quiz.quiz_status(db.session, current_user, course, version)
        if version.quiz_settings and progress.enrolment
        else None
    )
    return render_template(
        "learn/course.html",
        progress=progress,
        version=version,
        quiz_status=quiz_status,
        competencies=COMPETENCIES,
        levels=LEVELS,
        audiences=AUDIENCES,
    )


@bp.post("/courses/<slug>/enrol")
def enrol(slug: str) -> Response:
    course, _version = _published_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if course.retired_at is not None:
        flash("This course has been retired: it is no longer open for enrolment.", "error")
        return redirect(url_for("learn.course", slug=slug))
    # A concurrent enrolment (double click, two tabs) may win the unique (user, course) race.
    commit_once_despite_races(db.session, lambda: service.enrol(db.session, current_user, course))
    flash("You are enrolled. Enjoy the course!", "success")
    return redirect(url_for("learn.course", slug=slug))


@bp.get("/courses/<slug>/<module_slug>")
def module(slug: str, module_slug: str) -> Any:
    found = service.get_module_page(db.session, current_user.id, slug, module_slug)
    if found is None:
        abort(404)
    course, version, module_version, enrolment = found
    if enrolment is None:
        flash("Enrol in the course to start reading.", "info")
        return redirect(url_for("learn.course", slug=slug))
    progress = service.course_progress(
        db.session, current_user.id, course, version, enrolment, enrolment_known=True
    )
    entry = next(m for m in progress.modules if m.module_id == module_version.module_id)
    index = progress.modules.index(entry)
    following = progress.modules[index + 1] if index + 1 < len(progress.modules) else None
    previous = progress.modules[index - 1] if index > 0 else None
    return render_template(
        "learn/module.html",
        progress=progress,
        version=version,
        module=module_version,
        entry=entry,
        following=following,
        previous=previous,
        # Colleagues' published use cases for the module's areas and the reader's function.
        related_use_cases=related_cases(
            db.session, list(module_version.competencies), current_user.job_function
        ),
    )


@bp.post("/courses/<slug>/<module_slug>/read")
def mark_read(slug: str, module_slug: str) -> Response:
    course, version = _published_or_404(slug)
    module_version = service.get_module_version(db.session, version, module_slug)
    if module_version is None or not ActionForm().validate_on_submit():
        abort(404 if module_version is None else 400)

    def read() -> bool:
        service.mark_read(db.session, current_user, course, module_version, module_slug)
        return service.maybe_complete_course(db.session, current_user.id, course, version)

    try:
        # The same module marked read twice at once may win the unique (user, module) race.
        completed = commit_once_despite_races(db.session, read)
    except LearnError as error:
        flash(str(error), "error")
        return redirect(url_for("learn.course", slug=slug))
    if completed:
        flash("Course complete. Well done!", "success")
        return redirect(url_for("learn.course", slug=slug))
    if module_version.question_count:
        return redirect(url_for("learn.module", slug=slug, module_slug=module_slug) + "#check")
    progress = service.course_progress(db.session, current_user.id, course, version)
    nxt = progress.resume_module()
    if nxt is not None and nxt.slug != module_slug and not nxt.completed:
        return redirect(url_for("learn.module", slug=slug, module_slug=nxt.slug))
    return redirect(url_for("learn.course", slug=slug))


@bp.post("/courses/<slug>/<module_slug>/check")
def start_check(slug: str, module_slug: str) -> Response:
    course, version = _published_or_404(slug)
    module_version = service.get_module_version(db.session, version, module_slug)
    if module_version is None or not ActionForm().validate_on_submit():
        abort(404 if module_version is None else 400)
    try:
        attempt = quiz.start_check(
            db.session, current_user, course, version, module_version.module_id
        )
    except LearnError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("learn.module", slug=slug, module_slug=module_slug))
    db.session.commit()
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))


@bp.post("/courses/<slug>/quiz")
def start_quiz(slug: str) -> Response:
    course, version = _published_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        # A concurrent start may hold SQLite's write lock past the busy timeout: once more.
        attempt_id = commit_once_despite_races(
            db.session, lambda: quiz.start_quiz(db.session, current_user, course, version).id
        )
    except LearnError as error:
        flash(str(error), "error")
        return redirect(url_for("learn.course", slug=slug))
    return redirect(url_for("learn.attempt", attempt_id=attempt_id))


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = quiz.get_attempt_for(db.session, attempt_id, current_user.id)
    if attempt is None:
        not_found_for(f"attempt {attempt_id} of another user")
    return attempt


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int) -> Any:
    attempt = _own_attempt(attempt_id)
    if attempt.kind == "baseline":  # taken one question per page, with a results page of its own
        if attempt.submitted_at is None:
            return redirect(url_for("learn.baseline"))
        return redirect(url_for("learn.baseline_result"))
    context = _attempt_context(attempt)
    if attempt.submitted_at is None:
        questions = [
            quiz.question_for_learner(q, attempt)
            for q in quiz.attempt_questions(db.session, attempt)
        ]
        return render_template(
            "learn/attempt.html", attempt=attempt, questions=questions, **context
        )
    return _result(attempt, context)


def _result(attempt: Attempt, context: dict[str, Any]) -> str:
    """A submitted attempt: the marks, and the completion screen or a failed quiz's next steps."""
    items = quiz.review_items(db.session, attempt)
    completion = outcome.completion_for(
        db.session, current_user, attempt, items, viewer_is_manager()
    )
    earned = None
    if completion is not None and attempt.submitted_at is not None:
        earned = earned_with(
            db.session,
            current_user.id,
            completion.course_id,
            attempt.submitted_at,
            completion.earned_until,
        )
    return render_template(
        "learn/result.html",
        attempt=attempt,
        items=items if quiz.shows_items(attempt) else [],
        show_keys=quiz.shows_keys(db.session, attempt),
        by_competency=quiz.score_by_competency(items)
        if attempt.review in {"score", "guarded", "full"}
        else {},
        completion=completion,
        earned=earned,
        share=_share_links(earned) if earned else {},
        next_steps=outcome.failed_quiz_steps(db.session, current_user, attempt, items),
        competencies=COMPETENCIES,
        levels=LEVELS,
        **context,
    )


def _share_links(earned: Earned) -> dict[str, str]:
    """Public addresses of what was earned (public id -> URL), from the site's configured address;
    none when it is not set (the public pages need it too)."""
    try:
        links = {
            badge.public_id: absolute("openbadges.award_verification", public_id=badge.public_id)
            for badge in earned.badges
        }
        if earned.certificate_id:
            links[earned.certificate_id] = absolute(
                "recognition.certificate", public_id=earned.certificate_id
            )
    except BaseUrlMissing:
        return {}
    return links


def _attempt_context(attempt: Attempt) -> dict[str, Any]:
    """Course title, course slug and module slug (loaded with the attempt: no query)."""
    version = attempt.course_version
    if version is None:
        return {"course_title": "Where do I stand?", "course_slug": None, "module_slug": None}
    return {
        "course_title": version.title,
        "course_slug": version.course.slug,
        "module_slug": attempt.module.slug if attempt.module else None,
    }


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int) -> Response:
    attempt = _own_attempt(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    posted = {
        question_id: request.form.getlist(f"q{question_id}")[:26]
        for question_id in attempt.question_version_ids
    }
    answers = quiz.answers_from_form(db.session, attempt, posted)
    current = [attempt]

    def reload() -> None:
        current[0] = _own_attempt(attempt_id)

    try:
        # A concurrent submission of the same attempt may win: once more on fresh state refuses.
        result = commit_once_despite_races(
            db.session,
            lambda: quiz.submit_attempt(db.session, current_user, current[0], answers),
            reload,
        )
    except LearnError as error:  # quiz.AlreadySubmitted included
        flash(str(error), "error")
        return redirect(url_for("learn.attempt", attempt_id=attempt_id))
    if result.course_completed:
        # The result page is the completion screen: levels before and after, what was earned.
        return redirect(url_for("learn.attempt", attempt_id=attempt_id))
    for change in result.level_changes:
        name = COMPETENCIES.get(change.competency, "Overall AI literacy")
        verb = "rose" if change.new > change.old else "changed"
        flash(f"Your level in {name} {verb} to {change.new} ({LEVELS[change.new]}).", "success")
    return redirect(url_for("learn.attempt", attempt_id=attempt_id))


@bp.get("/courses/<slug>/files/<path:path>")
def asset(slug: str, path: str) -> Any:
    _course, version = _published_or_404(slug)
    from sqlalchemy import select

    asset = db.session.scalar(
        select(CourseAsset).where(
            CourseAsset.course_version_id == version.id, CourseAsset.path == path
        )
    )
    if asset is None:
        abort(404)
    response = Response(asset.data, content_type=asset.content_type)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.set_etag(asset.sha256)
    if not asset.content_type.startswith("image/") or asset.content_type == "image/svg+xml":
        response.headers["Content-Disposition"] = attachment(
            asset.path.rsplit("/", 1)[-1], inline=asset.content_type.startswith("image/")
        )
    return response.make_conditional(request)


# ------------------------------------------------------------------------------------ baseline


@bp.route("/baseline", methods=["GET", "POST"])
def baseline() -> Any:
    """Step 1: rate yourself per area, by what you can do. POST: the questions start (or, when a
    baseline is open, go on where the person left it)."""
    audiences = service.audiences_for(db.session, current_user, viewer_is_manager())
    areas = baseline_flow.areas_for(db.session, current_user, audiences)
    form = ActionForm()
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        ratings, errors = baseline_flow.parse_ratings(areas, request.form, COMPETENCIES)
        if not errors:
            try:
                baseline_flow.record_self_ratings(db.session, current_user, ratings)
                attempt = quiz.start_baseline(db.session, current_user)
                progress = db.session.get(BaselineProgress, attempt.id)
            except LearnError as error:
                db.session.rollback()
                errors["form"] = str(error)
            else:
                db.session.commit()
                number = baseline_flow.resume_number(attempt, progress)
                return redirect(_question_url(attempt.id, number))
    open_baseline = baseline_flow.newest_baseline(db.session, current_user.id, submitted=False)
    return (
        render_template(
            "learn/baseline.html",
            areas=areas,
            hints=AREA_HINTS,
            descriptors=DESCRIPTORS,
            competencies=COMPETENCIES,
            levels=LEVELS,
            form=form,
            errors=errors,
            chosen=request.form,
            resume=_resume(open_baseline),
        ),
        422 if errors else 200,
    )


def _question_url(attempt_id: int, number: int) -> str:
    return url_for("learn.baseline_question", attempt_id=attempt_id, number=number)


def _resume(found: tuple[Attempt, BaselineProgress | None] | None) -> dict[str, Any] | None:
    """Where an open baseline goes on: its URL, the question number and how many there are."""
    if found is None:
        return None
    attempt, progress = found
    number = baseline_flow.resume_number(attempt, progress)
    return {
        "url": _question_url(attempt.id, number),
        "number": number,
        "total": len(attempt.question_version_ids),
    }


@bp.route("/baseline/<int:attempt_id>/questions/<int:number>", methods=["GET", "POST"])
def baseline_question(attempt_id: int, number: int) -> Any:
    """One question per page. Every POST saves the answer shown (Next, Back) and the place to come
    back to; on the last page it scores the whole baseline."""
    found = baseline_flow.own_baseline(db.session, attempt_id, current_user.id)
    if found is None:
        not_found_for(f"baseline {attempt_id} of another user")
    attempt, progress = found
    question = baseline_flow.question_at(db.session, attempt, number)
    if question is None:
        abort(404)
    if attempt.submitted_at is not None:
        return redirect(url_for("learn.baseline_result"))
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        keys = baseline_flow.keys_from_places(
            question, attempt, request.form.getlist("answer")[:26]
        )
        return _baseline_step(attempt, question.id, number, keys, request.form.get("go", ""))
    total = len(attempt.question_version_ids)
    saved = baseline_flow.saved_answers(progress).get(str(question.id), [])
    return render_template(
        "learn/baseline_question.html",
        attempt=attempt,
        number=number,
        total=total,
        question=quiz.question_for_learner(question, attempt),
        chosen=baseline_flow.places_of(question, attempt, saved),
        answered=baseline_flow.answered_count(attempt, progress),
        unanswered=baseline_flow.unanswered_numbers(attempt, progress) if number == total else [],
    )


def _baseline_step(
    attempt: Attempt, question_id: int, number: int, keys: list[str], go: str
) -> Response:
    total = len(attempt.question_version_ids)
    target = max(number - 1, 1) if go == "back" else min(number + 1, total)
    if go != "finish" or number != total:
        commit_once_despite_races(
            db.session,
            lambda: baseline_flow.save_step(db.session, attempt.id, question_id, keys, target - 1),
        )
        return redirect(_question_url(attempt.id, target))
    audiences = service.audiences_for(db.session, current_user, viewer_is_manager())
    current = [attempt]

    def reload() -> None:
        found = baseline_flow.own_baseline(db.session, attempt.id, current_user.id)
        assert found is not None  # it was there a moment ago, and attempts are not deleted
        current[0] = found[0]

    def save_and_score() -> None:
        baseline_flow.save_step(db.session, attempt.id, question_id, keys, number - 1)
        baseline_flow.finish(db.session, current_user, current[0], audiences)

    try:
        # A second submission (two tabs) finds the attempt scored and is refused.
        commit_once_despite_races(db.session, save_and_score, reload)
    except LearnError as error:  # quiz.AlreadySubmitted included
        flash(str(error), "info")
    return redirect(url_for("learn.baseline_result"))


@bp.get("/baseline/result")
def baseline_result() -> Any:
    """Your starting point: the newest scored baseline, self-rated against measured per area."""
    found = baseline_flow.newest_baseline(db.session, current_user.id, submitted=True)
    if found is None:
        return redirect(url_for("learn.baseline"))
    attempt, progress = found
    audiences = service.audiences_for(db.session, current_user, viewer_is_manager())
    return render_template(
        "learn/baseline_result.html",
        attempt=attempt,
        result=starting_point(db.session, current_user, progress, audiences),
        levels=LEVELS,
        ceiling=BASELINE_CEILING,
    )


# ----------------------------------------------------------------- extra attempts (no dead end)


@bp.post("/people/<int:user_id>/extra-attempt")
def grant_extra_attempt(user_id: int) -> Response:
    """A manager (for their subtree) or an admin grants one more final-quiz attempt."""
    person = db.session.get(User, user_id)
    if person is None or not grants.may_act_for(db.session, current_user, user_id):
        not_found_for(f"extra attempt for user {user_id} outside the granter's scope")
    form = GrantAttemptForm()
    form.course.choices = [SelectChoice(slug, slug) for slug in grants.course_slugs(db.session)]
    back = (
        url_for("admin.person", user_id=user_id)
        if form.back.data == "admin" and current_user.is_admin
        else url_for("team.person", user_id=user_id)
    )
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(f"Extra attempt not granted: {error}", "error")
        return redirect(back)
    try:
        grants.grant_attempt(db.session, current_user, person, form.course.data, form.reason.data)
    except grants.GrantError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    db.session.commit()
    flash(f"{person.name} can take the quiz once more.", "success")
    return redirect(back)
