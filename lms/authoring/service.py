"""The author workspace's domain logic: who may edit what, drafts, validation and publishing.

Functions take the session and flush; the view commits once (or rolls back). Every check that a
publish needs happens before anything is written, so a refused publish changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import ColumnElement, exists, false, func, or_, select
from sqlalchemy.orm import aliased, defer, selectinload

from lms.assessment.lint import Assessment, assess
from lms.authoring.models import CourseDraft
from lms.courses.format import (
    ASSET_TYPES,
    MAX_FILE_BYTES,
    MAX_MARKDOWN_BYTES,
    MODULE_FILE_RE,
    TEMPLATE_LESSON,
    TEMPLATE_OVERVIEW,
    TEMPLATE_SUMMARY,
    CourseSource,
    Problem,
    parse_course,
)
from lms.courses.includes import SharedSnippets
from lms.courses.loader import MAX_COURSE_FILES, read_zip
from lms.courses.models import Course, CourseAsset, CourseVersion
from lms.courses.publish import PublishResult, publish_course, render_problems
from lms.courses.questions import SLUG_RE
from lms.courses.render import RenderError
from lms.courses.service import published_slugs
from lms.courses.shared import load_shared
from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS, User, utcnow

SAFE_ASSET_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


class DraftError(Exception):
    """A request about a draft that cannot be carried out; nothing was changed."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


# ----------------------------------------------------------------------------------- access


def may_edit(user: User, course: Course) -> bool:
    """Admins edit every course; authors the courses they own."""
    return bool(user.is_admin) or (course.owner_id is not None and course.owner_id == user.id)


def course_for(session: DbSession, user: User, slug: str) -> Course | None:
    """The course ``slug`` if ``user`` may edit it; ``None`` whether it is missing or not theirs."""
    course: Course | None = session.scalar(select(Course).where(Course.slug == slug))
    if course is None or not may_edit(user, course):
        return None
    return course


def draft_for(session: DbSession, user: User, draft_id: int) -> CourseDraft | None:
    """A draft is personal: only its author opens it, and only while they may edit its course."""
    draft = session.get(CourseDraft, draft_id)
    if draft is None or draft.author_id != user.id:
        return None
    if draft.course is not None and not may_edit(user, draft.course):
        return None
    return draft


# -------------------------------------------------------------------------------- workspace


@dataclass
class CourseRow:
    course: Course
    live: CourseVersion | None
    version_count: int
    draft: CourseDraft | None


def workspace_courses(session: DbSession, user: User) -> list[CourseRow]:
    counts = (
        select(CourseVersion.course_id, func.count().label("versions"))
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    query = (
        select(Course, func.coalesce(counts.c.versions, 0))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .options(selectinload(Course.current_version), selectinload(Course.owner))
        .order_by(Course.slug)
    )
    if not user.is_admin:
        query = query.where(Course.owner_id == user.id)
    drafts = {draft.course_id: draft for draft in my_drafts(session, user) if draft.course_id}
    return [
        CourseRow(course, course.current_version, int(count), drafts.get(course.id))
        for course, count in session.execute(query)
    ]


def my_drafts(session: DbSession, user: User) -> list[CourseDraft]:
    """The author's drafts for listing: their files (up to megabytes each) are not loaded."""
    return list(
        session.scalars(
            select(CourseDraft)
            .where(CourseDraft.author_id == user.id)
            .options(defer(CourseDraft.files), defer(CourseDraft.assets))
            .order_by(CourseDraft.updated_at.desc())
        )
    )


def version_history(session: DbSession, course: Course) -> list[CourseVersion]:
    return list(
        session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == course.id)
            .options(selectinload(CourseVersion.published_by))
            .order_by(CourseVersion.number.desc())
        )
    )


def get_version(session: DbSession, course: Course, number: int) -> CourseVersion | None:
    return session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    )


def version_assets(session: DbSession, version: CourseVersion) -> dict[str, bytes]:
    rows = session.execute(
        select(CourseAsset.path, CourseAsset.data).where(
            CourseAsset.course_version_id == version.id
        )
    )
    return {path: data for path, data in rows}


def version_asset_hashes(session: DbSession, version: CourseVersion) -> dict[str, str]:
    rows = session.execute(
        select(CourseAsset.path, CourseAsset.sha256).where(
            CourseAsset.course_version_id == version.id
        )
    )
    return {path: sha for path, sha in rows}


def version_files(session: DbSession, version: CourseVersion) -> dict[str, bytes]:
    """A published version as the course folder it came from (Markdown and assets)."""
    files = {path: text.encode("utf-8") for path, text in version.source.items()}
    files.update(version_assets(session, version))
    return files


# ----------------------------------------------------------------------------------- drafts


def course_skeleton(slug: str) -> dict[str, str]:
    title = slug.replace("-", " ").capitalize()
    return {
        "course.md": (
            "---\n"
            f"title: {title}\n"
            f"summary: {TEMPLATE_SUMMARY}\n"
            "audience: [everyone]\n"
            "competencies: [foundations]\n"
            "target_level: 1\n"
            "estimated_minutes: 30\n"
            "---\n\n"
            f"{TEMPLATE_OVERVIEW}\n"
        ),
        "01-introduction.md": module_skeleton("Introduction"),
    }


def module_skeleton(title: str) -> str:
    return (
        "---\n"
        f"title: {title}\n"
        "competencies: [foundations]\n"
        "estimated_minutes: 10\n"
        "---\n\n"
        f"{TEMPLATE_LESSON}\n"
    )


# ------------------------------------------------------------------------------------ limits
# A zip of 52 KB once unpacked into a 67 MB draft row, and every draft's files were loaded to list
# them. Each author keeps at most DRAFTS_PER_AUTHOR drafts of at most DRAFT_MAX_MB each.


def draft_size(files: dict[str, str], assets: dict[str, str]) -> int:
    """Bytes of a draft's course folder: Markdown as UTF-8, assets as decoded from base64."""
    text = sum(len(value.encode("utf-8")) for value in files.values())
    return text + sum(len(value) * 3 // 4 for value in assets.values())


def _check_draft_size(size: int) -> None:
    limit = int(current_app.config["DRAFT_MAX_MB"])
    if size > limit * 1024 * 1024:
        raise DraftError(
            f"A draft can hold at most {limit} MB of files; this would make it "
            f"{size / (1024 * 1024):.1f} MB. Nothing was changed: remove or shrink files "
            "(large images, attachments) first."
        )


def _check_draft_count(session: DbSession, user: User) -> None:
    limit = int(current_app.config["DRAFTS_PER_AUTHOR"])
    count = session.scalar(
        select(func.count()).select_from(CourseDraft).where(CourseDraft.author_id == user.id)
    )
    if (count or 0) >= limit:
        raise DraftError(
            f"You have {count} drafts, the most one author can keep. Publish or discard one "
            "before you start another."
        )


def _existing_draft(session: DbSession, user: User, slug: str) -> CourseDraft | None:
    return session.scalar(
        select(CourseDraft).where(CourseDraft.author_id == user.id, CourseDraft.slug == slug)
    )


def start_draft(session: DbSession, user: User, course: Course) -> tuple[CourseDraft, bool]:
    """The author's draft of ``course``: their existing one, or a new copy of the live version."""
    existing = _existing_draft(session, user, course.slug)
    if existing is not None:
        return existing, False
    _check_draft_count(session, user)
    draft = CourseDraft(
        course_id=course.id, slug=course.slug, author_id=user.id, files={}, assets={}
    )
    live = course.current_version
    if live is not None:
        draft.base_version_id = live.id
        _set_contents(draft, version_files(session, live))
    session.add(draft)
    session.flush()
    return draft, True


def check_new_slug(session: DbSession, user: User, slug: str) -> Course | None:
    """Validate a course name for a new draft: the course to draft from, if it exists."""
    if not SLUG_RE.match(slug) or len(slug) > 100:
        raise DraftError(
            f"“{slug[:100]}” cannot be a web address name: use only lowercase letters, numbers "
            "and hyphens between words, e.g. checking-ai-output."
        )
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is not None and not may_edit(user, course):
        raise DraftError(
            f"The name {slug!r} is taken by a course you do not edit. Choose another name."
        )
    return course


def new_course_draft(session: DbSession, user: User, slug: str) -> tuple[CourseDraft, bool]:
    """A draft for a course called ``slug``: from the live version if it exists, else a skeleton."""
    course = check_new_slug(session, user, slug)
    if course is not None:
        return start_draft(session, user, course)
    existing = _existing_draft(session, user, slug)
    if existing is not None:
        return existing, False
    _check_draft_count(session, user)
    draft = CourseDraft(
        slug=slug, author_id=user.id, files=course_skeleton(slug), assets={}, updated_at=utcnow()
    )
    session.add(draft)
    session.flush()
    return draft, True


def draft_from_zip(
    session: DbSession, user: User, data: bytes, slug: str | None
) -> tuple[CourseDraft, bool]:
    """Upload a zipped course into the author's draft of it (created if need be, else replaced).

    The course name comes from ``slug`` or else from the zip's top folder.
    """
    zip_slug, files, problems = read_zip(data)
    name = (slug or "").strip() or zip_slug
    if problems:
        raise DraftError("The zip could not be read; nothing was changed.", problems)
    if not name:
        raise DraftError(
            "Name the course: the zip has its files at the top level, not in a course folder."
        )
    contents = _contents_from_upload(files)
    course = check_new_slug(session, user, name)
    existing = _existing_draft(session, user, name)
    if existing is not None:
        _set_contents(existing, contents)
        return existing, False
    _check_draft_count(session, user)
    draft = CourseDraft(
        course_id=course.id if course else None,
        slug=name,
        author_id=user.id,
        base_version_id=course.current_version_id if course else None,
        files={},
        assets={},
    )
    _set_contents(draft, contents)
    session.add(draft)
    session.flush()
    return draft, True


def replace_from_zip(session: DbSession, draft: CourseDraft, data: bytes) -> None:
    _, files, problems = read_zip(data)
    if problems:
        raise DraftError("The zip could not be read; nothing was changed.", problems)
    _set_contents(draft, _contents_from_upload(files))
    session.flush()


def _contents_from_upload(files: dict[str, bytes]) -> dict[str, bytes]:
    if not files:
        raise DraftError("The zip holds no course files; nothing was changed.")
    problems = []
    for path, data in files.items():
        if path.lower().endswith(".md"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                problems.append(Problem(path, line, "not UTF-8 text; save the file as UTF-8"))
    if problems:
        raise DraftError("Some Markdown files are not UTF-8 text; nothing was changed.", problems)
    _check_draft_size(sum(len(data) for data in files.values()))
    return files


def _set_contents(draft: CourseDraft, files: dict[str, bytes]) -> None:
    draft.files = {
        path: data.decode("utf-8") for path, data in files.items() if path.lower().endswith(".md")
    }
    draft.assets = {
        path: base64.b64encode(data).decode("ascii")
        for path, data in files.items()
        if not path.lower().endswith(".md")
    }
    draft.updated_at = utcnow()


def draft_assets(draft: CourseDraft) -> dict[str, bytes]:
    assets: dict[str, bytes] = {}
    for path, encoded in draft.assets.items():
        try:
            assets[path] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            assets[path] = b""
    return assets


def draft_files(draft: CourseDraft) -> dict[str, bytes]:
    """The draft as the course folder the parser reads."""
    files = {path: text.encode("utf-8") for path, text in draft.files.items()}
    files.update(draft_assets(draft))
    return files


def draft_asset_hashes(draft: CourseDraft) -> dict[str, str]:
    return {path: hashlib.sha256(data).hexdigest() for path, data in draft_assets(draft).items()}


def is_new_file_name(path: str) -> bool:
    return path in {"course.md", "quiz.md"} or bool(MODULE_FILE_RE.match(path))


def save_file(session: DbSession, draft: CourseDraft, path: str, text: str) -> None:
    """Store one Markdown file (new files need a course file name)."""
    if path not in draft.files:
        _check_new_name(draft, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text.encode("utf-8")) > MAX_MARKDOWN_BYTES:
        raise DraftError(
            f"{path} is larger than {MAX_MARKDOWN_BYTES // 1024} KB: split it into several modules."
        )
    files = {**draft.files, path: text}
    _check_draft_size(draft_size(files, draft.assets))
    draft.files = files
    draft.updated_at = utcnow()
    session.flush()


def add_module(session: DbSession, draft: CourseDraft, path: str) -> None:
    path = path.strip()
    _check_new_name(draft, path)
    match = MODULE_FILE_RE.match(path)
    title = match.group(2).replace("-", " ").capitalize() if match else "Title"
    text = module_skeleton(title) if match else ""
    if path == "quiz.md":
        text = ""
    save_file(session, draft, path, text)


def _check_new_name(draft: CourseDraft, path: str) -> None:
    if path in draft.files or path in draft.assets:
        raise DraftError(f"The draft already has a file {path}.")
    if not is_new_file_name(path):
        raise DraftError(
            f"{path!r} is not a course file name: modules are NN-<slug>.md "
            "(e.g. 03-checking-sources.md); the others are course.md and quiz.md."
        )
    if len(draft.files) + len(draft.assets) >= MAX_COURSE_FILES:
        raise DraftError(f"A course has at most {MAX_COURSE_FILES} files.")


def add_asset(session: DbSession, draft: CourseDraft, filename: str, data: bytes) -> str:
    """Add an image or attachment: images go to images/, other files to files/."""
    name = SAFE_ASSET_NAME_RE.sub("-", posixpath.basename(filename.replace("\\", "/"))).strip(".-")
    extension = posixpath.splitext(name)[1].lower()
    if not name or extension not in ASSET_TYPES:
        raise DraftError(f"Upload one of: {', '.join(sorted(ASSET_TYPES))}.")
    if len(data) > MAX_FILE_BYTES:
        raise DraftError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    folder = "images" if ASSET_TYPES[extension].startswith("image/") else "files"
    path = f"{folder}/{name}"
    if path not in draft.assets and len(draft.files) + len(draft.assets) >= MAX_COURSE_FILES:
        raise DraftError(f"A course has at most {MAX_COURSE_FILES} files.")
    assets = {**draft.assets, path: base64.b64encode(data).decode("ascii")}
    _check_draft_size(draft_size(draft.files, assets))
    draft.assets = assets
    draft.updated_at = utcnow()
    session.flush()
    return path


def delete_file(session: DbSession, draft: CourseDraft, path: str) -> None:
    if path in draft.files:
        draft.files = {key: value for key, value in draft.files.items() if key != path}
    elif path in draft.assets:
        draft.assets = {key: value for key, value in draft.assets.items() if key != path}
    else:
        raise DraftError(f"The draft has no file {path}.")
    draft.updated_at = utcnow()
    session.flush()


def discard_draft(session: DbSession, draft: CourseDraft) -> None:
    session.delete(draft)
    session.flush()


# ----------------------------------------------------------------------- validate and publish


def validate_draft(
    session: DbSession,
    draft: CourseDraft,
    override: tuple[str, str] | None = None,
    *,
    render: bool = False,
) -> tuple[CourseSource | None, list[Problem]]:
    """Parse the draft exactly as publishing will, the assessment checks' errors included (their
    warnings do not block: see :func:`draft_assessment`); ``override`` swaps in unsaved text.
    ``render``: also render it within the time budgets, as publishing does (the Validate page;
    not the live preview, which renders only its own file)."""
    source, problems = _parse_draft(session, draft, override)
    if source is None:
        return None, problems
    blocking = assess([source], whole_catalogue=False).problems()
    if not blocking and render:
        blocking = render_problems([source])
    return (None, blocking) if blocking else (source, [])


def draft_assessment(session: DbSession, draft: CourseDraft) -> Assessment:
    """Every assessment-check finding on a draft that parses (warnings and allowed ones too)."""
    source, _ = _parse_draft(session, draft, None)
    return assess([source], whole_catalogue=False) if source is not None else Assessment([])


def _parse_draft(
    session: DbSession, draft: CourseDraft, override: tuple[str, str] | None
) -> tuple[CourseSource | None, list[Problem]]:
    files = draft_files(draft)
    if override is not None:
        path, text = override
        files[path] = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return parse_course(
        draft.slug,
        files,
        display_root="",
        known_courses=published_slugs(session),
        shared=shared_snippets(),
    )


def shared_snippets() -> SharedSnippets:
    """The shared snippets a draft's ``[[include: name]]`` resolve against: those of the content
    tree (``COURSES_DIR/_shared``), the same that ``lms courses check`` and publish use; they are
    maintained there by their owners, not in the workspace."""
    return load_shared(Path(current_app.config["COURSES_DIR"]))


@dataclass(frozen=True)
class PublishPlan:
    """What publishing a draft would do, for the confirmation page (nothing is written)."""

    problems: list[Problem]
    audience: str  # in words, e.g. "Everyone in engineering and sales"
    people: int  # active people in that audience
    live_number: int | None  # the version it replaces; None for a new course
    retired: bool = False  # the course is retired: publishing leaves it so


def publish_plan(session: DbSession, draft: CourseDraft) -> PublishPlan:
    source, problems = _parse_draft(session, draft, None)
    live = draft.course.current_version if draft.course is not None else None
    retired = draft.course is not None and draft.course.retired_at is not None
    if source is None:
        return PublishPlan(problems, "", 0, live.number if live else None, retired)
    return PublishPlan(
        [],
        audience_in_words(source.audience),
        audience_size(session, source.audience),
        live.number if live else None,
        retired,
    )


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def audience_in_words(audience: list[str]) -> str:
    """``[engineering, sales]`` -> "Everyone in engineering and sales"."""
    if "everyone" in audience:
        return "Everyone"
    labels = [JOB_FUNCTIONS[name] for name in audience if name in JOB_FUNCTIONS]
    lowered = [label if label.split()[0].isupper() else label.lower() for label in labels]
    parts = [f"everyone in {_and(lowered)}"] if lowered else []
    parts += [name for name in ("managers", "executives") if name in audience]
    words = _and(parts) if parts else "nobody"
    return words[0].upper() + words[1:]


def audience_size(session: DbSession, audience: list[str]) -> int:
    """Active people a course with this audience is meant for, in one query."""
    query = select(func.count()).select_from(User).where(User.active.is_(True))
    if "everyone" not in audience:
        report = aliased(User)
        conditions: list[ColumnElement[bool]] = []
        functions = [name for name in audience if name in JOB_FUNCTIONS]
        if functions:
            conditions.append(User.job_function.in_(functions))
        if "managers" in audience:
            conditions.append(exists().where(report.manager_id == User.id))
        if "executives" in audience:
            conditions.append(User.is_executive.is_(True))
        query = query.where(or_(false(), *conditions))
    return int(session.scalar(query) or 0)


def live_changed_since(draft: CourseDraft) -> CourseVersion | None:
    """The live version, when someone published since the draft was started."""
    course = draft.course
    if course is None or course.current_version_id == draft.base_version_id:
        return None
    return course.current_version


def publish_draft(session: DbSession, draft: CourseDraft, user: User) -> PublishResult:
    """Validate, then publish the draft and remove it. Raises :class:`DraftError` (changing
    nothing) when the draft has problems or its name is taken by a course the author does not
    edit."""
    source, problems = validate_draft(session, draft)
    if source is None:
        raise DraftError(
            f"The draft has {len(problems)} problem(s); nothing was published and the live "
            "version stays.",
            problems,
        )
    course = session.scalar(select(Course).where(Course.slug == draft.slug))
    if course is not None and not may_edit(user, course):
        raise DraftError(
            f"A course called {draft.slug!r} was published by someone else meanwhile; "
            "nothing was published. Download your draft and start one under another name."
        )
    try:
        result = publish_course(session, source, publisher=user, owner=user)
    except RenderError as error:
        raise DraftError(
            "A file cannot be rendered (below); nothing was published and the live version stays.",
            [Problem(error.path, 1, error.reason)],
        ) from None
    session.delete(draft)
    session.flush()
    return result


# -------------------------------------------------------------------------------------- zips


def zip_bytes(folder: str, files: dict[str, bytes], when: datetime | None = None) -> bytes:
    """A course folder as a zip (``folder/course.md`` ...), which the upload accepts back."""
    stamp = (when or utcnow()).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()
