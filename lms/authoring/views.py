"""The author workspace: courses, version history and diffs, drafts, preview, validate, publish.

Authors see and edit the courses they own (admins: all courses); another author's course or draft
answers 404. Everyone else gets 403 on every page here.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.authoring.diff import diff_files, unified_diff
from lms.authoring.forms import (
    TOO_LARGE,
    ActionForm,
    AddFileForm,
    AssetForm,
    EditorForm,
    NewCourseForm,
    PathActionForm,
    PreviewForm,
    ReplaceForm,
    UploadForm,
)
from lms.authoring.guide import DOCS, doc_title, guide_page
from lms.authoring.models import CourseDraft
from lms.authoring.preview import file_kind, one_at_a_time, preview_file
from lms.authoring.retirement import (
    RetirementError,
    restore_course,
    retire_course,
    retirement_impact,
)
from lms.authoring.service import (
    DraftError,
    add_asset,
    add_module,
    course_for,
    delete_file,
    discard_draft,
    draft_assessment,
    draft_asset_hashes,
    draft_files,
    draft_for,
    draft_from_zip,
    get_version,
    is_new_file_name,
    live_changed_since,
    module_skeleton,
    my_drafts,
    new_course_draft,
    publish_draft,
    publish_plan,
    replace_from_zip,
    save_file,
    shared_snippets,
    start_draft,
    validate_draft,
    version_asset_hashes,
    version_files,
    version_history,
    workspace_courses,
    zip_bytes,
)
from lms.authoring.snippets import snippets_for
from lms.courses.format import MODULE_FILE_RE, Problem
from lms.courses.models import Course
from lms.courses.vocabulary import COMPETENCIES
from lms.downloads import attachment
from lms.extensions import db, limiter
from lms.inputs import query_int
from lms.literacy import approval
from lms.people.models import User
from lms.security import not_found_for, requires

bp = Blueprint("authoring", __name__, url_prefix="/author")

EXCERPT_CONTEXT = 2


@bp.before_request
@requires("author")
def authors_only() -> None:
    """Every page here is for authors (and admins); others get 403 before any view runs."""


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _course(slug: str) -> Course:
    course = course_for(db.session, _me(), slug)
    if course is None:
        not_found_for(f"course {slug!r} is not one this author edits")
    return course


def _draft(draft_id: int) -> CourseDraft:
    draft = draft_for(db.session, _me(), draft_id)
    if draft is None:
        not_found_for(f"draft {draft_id} is not this author's")
    return draft


def _zip_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": attachment(filename)},
    )


# ------------------------------------------------------------------------------- workspace


def _index(status: int = 200, **forms: Any) -> Any:
    me = _me()
    return (
        render_template(
            "authoring/index.html",
            rows=workspace_courses(db.session, me),
            drafts=my_drafts(db.session, me),
            new_form=forms.get("new_form") or NewCourseForm(formdata=None),
            upload_form=forms.get("upload_form") or UploadForm(formdata=None),
            upload_problems=forms.get("upload_problems", []),
        ),
        status,
    )


@bp.get("/")
def index() -> Any:
    return _index()


@bp.get("/guide")
def guide() -> Any:
    return _guide_page("")


@bp.get("/guide/<doc>")
def guide_doc(doc: str) -> Any:
    """A doc the guide links to (badges, the literacy model); only those, by name."""
    if not doc or doc not in DOCS:
        abort(404)
    return _guide_page(doc)


def _guide_page(name: str) -> Any:
    return render_template(
        "authoring/guide.html",
        page=guide_page(name),
        others=[(other, doc_title(other)) for other in DOCS if other and other != name],
    )


@bp.post("/new")
def new_course() -> Any:
    form = NewCourseForm()
    if form.validate_on_submit():
        try:
            draft, created = new_course_draft(db.session, _me(), (form.slug.data or "").strip())
        except DraftError as error:
            db.session.rollback()
            form.slug.errors = [*form.slug.errors, error.message]
        else:
            db.session.commit()
            flash(
                f"Started a draft of {draft.slug}."
                if created
                else f"You already have a draft of {draft.slug}: here it is.",
                "success",
            )
            return redirect(url_for("authoring.draft", draft_id=draft.id))
    return _index(422, new_form=form)


@bp.post("/upload")
def upload() -> Any:
    form = UploadForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            draft, created = draft_from_zip(db.session, _me(), data, form.slug.data)
        except DraftError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            problems = error.problems
        else:
            db.session.commit()
            flash(
                f"Uploaded into {'a new' if created else 'your'} draft of {draft.slug}. "
                "Validate it before you publish.",
                "success",
            )
            return redirect(url_for("authoring.draft", draft_id=draft.id))
    return _index(422, upload_form=form, upload_problems=problems)


# --------------------------------------------------------------------------------- courses


@bp.get("/courses/<slug>")
def course(slug: str) -> Any:
    course = _course(slug)
    versions = version_history(db.session, course)
    draft = next((d for d in my_drafts(db.session, _me()) if d.course_id == course.id), None)
    return render_template(
        "authoring/course.html",
        course=course,
        versions=versions,
        draft=draft,
        action_form=ActionForm(formdata=None),
    )


@bp.post("/courses/<slug>/edit")
def start_editing(slug: str) -> Any:
    course = _course(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        draft, created = start_draft(db.session, _me(), course)
    except DraftError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    flash(
        f"Started a draft from version {course.current_version.number}."
        if created and course.current_version
        else "Continuing your draft.",
        "success",
    )
    return redirect(url_for("authoring.draft", draft_id=draft.id))


@bp.get("/courses/<slug>/retire")
def confirm_retire(slug: str) -> Any:
    """What retiring does and whom it concerns; changes nothing (a retired course: restore)."""
    course = _course(slug)
    return render_template(
        "authoring/retire.html",
        course=course,
        impact=retirement_impact(db.session, course),
        action_form=ActionForm(formdata=None),
    )


def _course_title(course: Course) -> str:
    return course.current_version.title if course.current_version else course.slug


@bp.post("/courses/<slug>/retire")
def retire(slug: str) -> Any:
    course = _course(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        retire_course(db.session, course, _me())
    except RetirementError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"Retired “{_course_title(course)}”: it is no longer offered. People who took it "
            "keep their progress, badges and certificates. You can restore it at any time.",
            "success",
        )
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/courses/<slug>/restore")
def restore(slug: str) -> Any:
    course = _course(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        restore_course(db.session, course)
    except RetirementError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"Restored “{_course_title(course)}”: it is back in the catalog and can be "
            "recommended and assigned again.",
            "success",
        )
    if request.form.get("back") == "index":
        return redirect(url_for("authoring.index"))
    return redirect(url_for("authoring.course", slug=slug))


@bp.get("/courses/<slug>/diff")
def course_diff(slug: str) -> Any:
    course = _course(slug)
    versions = version_history(db.session, course)
    live_number = course.current_version.number if course.current_version else None
    new_number = query_int("to") or live_number or 0
    old_number = query_int("from") or new_number - 1
    old = get_version(db.session, course, old_number)
    new = get_version(db.session, course, new_number)
    if old is None or new is None:
        return render_template(
            "authoring/diff.html",
            course=course,
            versions=versions,
            diffs=None,
            old_label=f"version {old_number}",
            new_label=f"version {new_number}",
            old_number=old_number,
            new_number=new_number,
        ), (200 if len(versions) < 2 else 404)
    if request.args.get("format") == "unified":
        text = unified_diff(old.source, new.source, f"v{old.number}", f"v{new.number}")
        return Response(
            text,
            mimetype="text/plain",
            headers={
                "Content-Disposition": attachment(
                    f"{course.slug}-v{old.number}-v{new.number}.diff"
                )
            },
        )
    diffs = diff_files(
        old.source,
        new.source,
        version_asset_hashes(db.session, old),
        version_asset_hashes(db.session, new),
    )
    return render_template(
        "authoring/diff.html",
        course=course,
        versions=versions,
        diffs=diffs,
        old_label=f"version {old.number}",
        new_label=f"version {new.number}",
        old_number=old.number,
        new_number=new.number,
    )


@bp.get("/courses/<slug>/download")
def download_live(slug: str) -> Any:
    course = _course(slug)
    live = course.current_version
    if live is None:
        abort(404)
    return _zip_response(
        zip_bytes(course.slug, version_files(db.session, live), live.published_at),
        f"{course.slug}-v{live.number}.zip",
    )


@bp.get("/courses/<slug>/versions/<int:number>/download")
def download_version(slug: str, number: int) -> Any:
    course = _course(slug)
    version = get_version(db.session, course, number)
    if version is None:
        abort(404)
    return _zip_response(
        zip_bytes(course.slug, version_files(db.session, version), version.published_at),
        f"{course.slug}-v{version.number}.zip",
    )


# ---------------------------------------------------------------------------------- drafts


def _file_rows(draft: CourseDraft) -> list[dict[str, Any]]:
    order = {"course": 0, "module": 1, "quiz": 2, "other": 3}
    rows: list[dict[str, Any]] = [
        {
            "path": path,
            "kind": file_kind(path),
            "size": len(text.encode("utf-8")),
            "editable": True,
        }
        for path, text in draft.files.items()
    ]
    rows.sort(key=lambda row: (order[row["kind"]], row["path"]))
    assets = draft_files(draft)
    rows.extend(
        {"path": path, "kind": "asset", "size": len(assets[path]), "editable": False}
        for path in sorted(draft.assets)
    )
    return rows


def _render_draft(
    draft: CourseDraft,
    status: int = 200,
    problems: list[Problem] | None = None,
    message: str | None = None,
    **forms: Any,
) -> Any:
    return (
        render_template(
            "authoring/draft.html",
            draft=draft,
            files=_file_rows(draft),
            live_changed=live_changed_since(draft),
            problems=problems or [],
            message=message,
            add_form=forms.get("add_form") or AddFileForm(formdata=None),
            asset_form=forms.get("asset_form") or AssetForm(formdata=None),
            replace_form=forms.get("replace_form") or ReplaceForm(formdata=None),
        ),
        status,
    )


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int) -> Any:
    return _render_draft(_draft(draft_id))


@bp.post("/drafts/<int:draft_id>/add-file")
def add_file(draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = AddFileForm()
    if form.validate_on_submit():
        path = (form.path.data or "").strip()
        try:
            add_module(db.session, draft, path)
        except DraftError as error:
            db.session.rollback()
            form.path.errors = [*form.path.errors, error.message]
        else:
            db.session.commit()
            flash(f"Added {path}.", "success")
            return redirect(url_for("authoring.edit", draft_id=draft.id, path=path))
    return _render_draft(draft, 422, add_form=form)


@bp.post("/drafts/<int:draft_id>/add-asset")
def upload_asset(draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = AssetForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            path = add_asset(db.session, draft, upload.filename or "", upload.read())
        except DraftError as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, error.message]
        else:
            db.session.commit()
            flash(f"Added {path}. Link it as ![description]({path}).", "success")
            return redirect(url_for("authoring.draft", draft_id=draft.id))
    return _render_draft(draft, 422, asset_form=form)


@bp.post("/drafts/<int:draft_id>/delete-file")
def remove_file(draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = PathActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        delete_file(db.session, draft, form.path.data)
    except DraftError as error:
        db.session.rollback()
        return _render_draft(draft, 422, message=error.message)
    db.session.commit()
    flash(f"Deleted {form.path.data}.", "success")
    return redirect(url_for("authoring.draft", draft_id=draft.id))


@bp.post("/drafts/<int:draft_id>/upload")
def replace_upload(draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = ReplaceForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        try:
            replace_from_zip(db.session, draft, form.file.data.read())
        except DraftError as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, error.message]
            problems = error.problems
        else:
            db.session.commit()
            flash(
                "Replaced the draft's files with the zip. Validate before you publish.", "success"
            )
            return redirect(url_for("authoring.draft", draft_id=draft.id))
    return _render_draft(draft, 422, problems=problems, replace_form=form)


@bp.post("/drafts/<int:draft_id>/discard")
def discard(draft_id: int) -> Any:
    draft = _draft(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    slug = draft.slug
    discard_draft(db.session, draft)
    db.session.commit()
    flash(f"Discarded your draft of {slug}.", "success")
    return redirect(url_for("authoring.index"))


@bp.get("/drafts/<int:draft_id>/download")
def download_draft(draft_id: int) -> Any:
    draft = _draft(draft_id)
    return _zip_response(
        zip_bytes(draft.slug, draft_files(draft), draft.updated_at), f"{draft.slug}-draft.zip"
    )


@bp.get("/drafts/<int:draft_id>/diff")
def draft_diff(draft_id: int) -> Any:
    draft = _draft(draft_id)
    live = draft.course.current_version if draft.course else None
    old_text = live.source if live else {}
    old_assets = version_asset_hashes(db.session, live) if live else {}
    diffs = diff_files(old_text, draft.files, old_assets, draft_asset_hashes(draft))
    return render_template(
        "authoring/diff.html",
        course=draft.course,
        draft=draft,
        versions=[],
        diffs=diffs,
        old_label=f"live version {live.number}" if live else "nothing published",
        new_label="your draft",
        old_number=None,
        new_number=None,
    )


# ----------------------------------------------------------------- validate, edit, preview


def _excerpt(text: str | None, line: int) -> list[tuple[int, str, bool]]:
    if text is None:
        return []
    lines = text.split("\n")
    start = max(1, line - EXCERPT_CONTEXT)
    end = min(len(lines), line + EXCERPT_CONTEXT)
    return [(number, lines[number - 1], number == line) for number in range(start, end + 1)]


def _editable(draft: CourseDraft, path: str) -> bool:
    return path in draft.files or (path not in draft.assets and is_new_file_name(path))


def _checking_key() -> str:
    return f"draft-check:{_me().id}"


# Validating and publishing render the whole draft (up to the course budget of CPU time): bounded
# per author like the live preview, so nobody can keep workers busy with crafted drafts.
_checking_limit = limiter.limit(
    lambda: str(current_app.config["DRAFT_CHECK_LIMIT"]), key_func=_checking_key
)


@bp.get("/drafts/<int:draft_id>/validate")
@_checking_limit
def validate(draft_id: int) -> Any:
    draft = _draft(draft_id)
    _, problems = validate_draft(db.session, draft, render=True)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        by_file.setdefault(problem.path, []).append(
            {
                "problem": problem,
                "excerpt": _excerpt(draft.files.get(problem.path), problem.line),
                "editable": _editable(draft, problem.path),
            }
        )
    assessment = draft_assessment(db.session, draft) if not problems else None
    return render_template(
        "authoring/validate.html",
        draft=draft,
        problems=problems,
        by_file=by_file,
        advice=assessment.warnings if assessment else [],
        allowed=assessment.allowed if assessment else [],
        action_form=ActionForm(formdata=None),
    )


def _editor_context(draft: CourseDraft, path: str, text: str) -> dict[str, Any]:
    _, problems = validate_draft(db.session, draft, override=(path, text))
    mine = [problem for problem in problems if problem.path == path]
    lines = text.split("\n")
    return {
        "preview": preview_file(draft.slug, path, text, shared_snippets()),
        "file_problems": [
            {
                "problem": problem,
                "source": lines[problem.line - 1] if problem.line <= len(lines) else "",
            }
            for problem in mine
        ],
        "other_problems": len(problems) - len(mine),
    }


@bp.route("/drafts/<int:draft_id>/edit/<path:path>", methods=["GET", "POST"])
def edit(draft_id: int, path: str) -> Any:
    draft = _draft(draft_id)
    if not _editable(draft, path):
        abort(404)
    form = EditorForm()
    status = 200
    unsaved = False
    if request.method == "GET":
        match = MODULE_FILE_RE.match(path)
        default = module_skeleton(match.group(2).replace("-", " ").capitalize()) if match else ""
        form.text.data = draft.files.get(path, default)
    elif form.validate_on_submit():
        if request.form.get("action") == "save":
            try:
                save_file(db.session, draft, path, form.text.data or "")
            except DraftError as error:
                db.session.rollback()
                form.text.errors = [*form.text.errors, error.message]
                status = 422
            else:
                db.session.commit()
                flash(f"Saved {path}.", "success")
                return redirect(url_for("authoring.edit", draft_id=draft.id, path=path))
        else:
            unsaved = True
    else:
        status = 422
    text = (form.text.data or "").replace("\r\n", "\n")
    return (
        render_template(
            "authoring/edit.html",
            draft=draft,
            path=path,
            form=form,
            is_new=path not in draft.files,
            unsaved=unsaved,
            line=query_int("line"),
            snippets=snippets_for(path),
            **_editor_context(draft, path, text),
        ),
        status,
    )


def _preview_key() -> str:
    return f"preview:{_me().id}"


@bp.post("/drafts/<int:draft_id>/preview")
@limiter.limit(lambda: str(current_app.config["PREVIEW_LIMIT"]), key_func=_preview_key)
def preview(draft_id: int) -> Any:
    """The live preview the editor's script asks for: an HTML fragment, nothing is saved.

    It comes at every pause in typing, so it is bounded on the server: the text's size (the
    form), the time rendering may take (:func:`preview_file`), one at a time per author and a
    number per minute (``PREVIEW_LIMIT``)."""
    draft = _draft(draft_id)
    form = PreviewForm()
    if not form.validate_on_submit():
        message = form.text.errors[0] if form.text.errors else None
        return render_template("authoring/_preview_error.html", message=message), (
            413 if message == TOO_LARGE else 400
        )
    path = form.path.data
    if not _editable(draft, path):
        abort(404)
    text = (form.text.data or "").replace("\r\n", "\n")
    with one_at_a_time(_me().id) as free:
        if not free:
            message = "Another preview of yours is still being prepared; this one was skipped."
            return render_template("authoring/_preview_error.html", message=message), 429
        return render_template(
            "authoring/_preview.html", draft=draft, path=path, **_editor_context(draft, path, text)
        )


@bp.get("/drafts/<int:draft_id>/publish")
def confirm_publish(draft_id: int) -> Any:
    """Who will see the course, and whether it is new or a new version; changes nothing."""
    draft = _draft(draft_id)
    return render_template(
        "authoring/publish.html",
        draft=draft,
        plan=publish_plan(db.session, draft),
        action_form=ActionForm(formdata=None),
    )


@bp.post("/drafts/<int:draft_id>/publish")
@_checking_limit
def publish(draft_id: int) -> Any:
    draft = _draft(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    slug = draft.slug
    try:
        result = publish_draft(db.session, draft, _me())
        db.session.commit()
    except DraftError as error:
        db.session.rollback()
        return _render_draft(draft, 422, problems=error.problems, message=error.message)
    except IntegrityError:
        # Someone published the same course at the same moment: the unique version number
        # refused the second publish. Nothing of this one was written.
        db.session.rollback()
        return _render_draft(
            _draft(draft_id),
            409,
            message=(
                "Someone published this course at the same moment, so nothing was published "
                "from your draft. Check the course's history, then publish again."
            ),
        )
    if result.changed:
        flash(f"Published {slug} version {result.version.number}. It is live now.", "success")
    else:
        flash(
            f"Nothing changed: version {result.version.number} of {slug} stays live. "
            "Your draft was removed.",
            "success",
        )
    return redirect(url_for("authoring.course", slug=slug))


# ------------------------------------------------------------ approving versions as level evidence


def _approval_mode() -> str:
    mode = str(current_app.config.get("EVIDENCE_APPROVAL", "admin"))
    return mode if mode in approval.MODES else "admin"


@bp.get("/approvals")
def approvals() -> Any:
    """Versions whose answers do not count towards levels yet, for those who may approve them."""
    pending = approval.pending_versions(db.session, _me(), _approval_mode())
    return render_template(
        "authoring/approvals.html", pending=pending, mode=_approval_mode()
    )


@bp.get("/approvals/<int:version_id>")
def approval_review(version_id: int) -> Any:
    version = approval.pending_version(db.session, _me(), version_id, _approval_mode())
    if version is None:
        not_found_for(f"version {version_id} is not awaiting this person's approval")
    return render_template(
        "authoring/approval.html",
        version=version,
        questions=approval.version_questions(db.session, version),
        competencies=COMPETENCIES,
        action_form=ActionForm(formdata=None),
    )


@bp.post("/approvals/<int:version_id>")
def approve(version_id: int) -> Any:
    version = approval.pending_version(db.session, _me(), version_id, _approval_mode())
    if version is None:
        not_found_for(f"version {version_id} is not awaiting this person's approval")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        people = approval.approve_version(db.session, _me(), version, _approval_mode())
    except approval.ApprovalError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("authoring.approvals"))
    db.session.commit()
    flash(
        f"Approved {version.title} (version {version.number}): its answers now count towards "
        f"levels; {people} {'person' if people == 1 else 'people'} had answered it already.",
        "success",
    )
    return redirect(url_for("authoring.approvals"))
