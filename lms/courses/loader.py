"""Reading courses from the ``courses/`` tree (or a zip upload) into the parser's file maps."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from pathlib import Path

from lms.courses.format import MAX_FILE_BYTES, CourseSource, Problem, parse_course
from lms.courses.includes import SharedSnippets, include_lines
from lms.courses.shared import load_shared, shared_problems

MAX_COURSE_FILES = 500
MAX_ZIP_BYTES = 50 * 1024 * 1024


def read_folder(folder: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(folder).as_posix()
            if any(part.startswith(".") for part in relative.split("/")):
                continue
            files[relative] = path.read_bytes()
            if len(files) > MAX_COURSE_FILES:
                break
    return files


def course_folders(paths: list[Path], courses_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Resolve CLI arguments: nothing means every course in ``courses_dir``."""
    problems: list[Problem] = []
    if not paths:
        paths = [courses_dir]
    folders: list[Path] = []
    for path in paths:
        if (path / "course.md").exists() or (
            path.is_dir() and path != courses_dir and not _has_course_children(path)
        ):
            folders.append(path)
        elif path.is_dir():
            folders.extend(
                child
                for child in sorted(path.iterdir())
                if child.is_dir() and not child.name.startswith((".", "_"))
            )
        else:
            problems.append(Problem(str(path), 1, "no such course folder"))
    return folders, problems


def _has_course_children(path: Path) -> bool:
    return any((child / "course.md").exists() for child in path.iterdir() if child.is_dir())


def load_courses(
    paths: list[Path], courses_dir: Path, extra_known: set[str] | None = None
) -> tuple[list[CourseSource], list[Problem]]:
    """Parse every course named by ``paths``.

    Prerequisites may name any course in ``courses_dir`` or in ``extra_known``.
    """
    folders, problems = course_folders(paths, courses_dir)
    known = (
        {child.name for child in courses_dir.iterdir() if child.is_dir()}
        if courses_dir.is_dir()
        else set()
    )
    known |= {folder.name for folder in folders} | (extra_known or set())
    # Includes resolve against the tree's shared snippets; a snippet's own problems are listed
    # once, for every snippet when the whole tree is read, else for those the courses include.
    shared = load_shared(courses_dir)
    courses: list[CourseSource] = []
    for folder in folders:
        display = display_path(folder)
        course, course_problems = parse_course(
            folder.name,
            read_folder(folder),
            display_root=display,
            known_courses=known,
            shared=shared,
        )
        problems.extend(course_problems)
        if course is not None:
            courses.append(course)
    whole = not paths or any(_same(path, courses_dir) for path in paths)
    problems.extend(shared_problems(shared, None if whole else _named(shared, folders)))
    return courses, problems


def _named(shared: SharedSnippets, folders: list[Path]) -> set[str]:
    """The snippets the course folders name in an include, even the broken ones."""
    names: set[str] = set()
    for folder in folders:
        for path, data in read_folder(folder).items():
            if path.endswith(".md"):
                text = data.decode("utf-8", "replace")
                names |= {line.name for line in include_lines(text, 1) if line.name}
    return names & (set(shared.snippets) | shared.broken)


def _same(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve()
    except OSError:
        return False


def display_path(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return folder.as_posix()


def read_zip(data: bytes) -> tuple[str | None, dict[str, bytes], list[Problem]]:
    """A course uploaded as a zip: either the folder itself or its contents at the top level."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None, {}, [Problem("upload.zip", 1, "not a zip file")]
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_COURSE_FILES:
        return None, {}, [Problem("upload.zip", 1, f"more than {MAX_COURSE_FILES} files")]
    if sum(info.file_size for info in entries) > MAX_ZIP_BYTES:
        return None, {}, [Problem("upload.zip", 1, "the unpacked course is too large")]
    # A '..' part also looks hidden (it starts with a dot): report it before anything is ignored.
    problems.extend(
        Problem(info.filename, 1, "path points outside the course folder")
        for info in entries
        if _outside(info.filename)
    )
    entries = [info for info in entries if not _outside(info.filename)]
    names = [info.filename for info in entries if not _ignored(info.filename)]
    prefix = ""
    if "course.md" not in names:
        tops = {name.split("/", 1)[0] for name in names if "/" in name}
        if len(tops) == 1 and f"{next(iter(tops))}/course.md" in names:
            prefix = next(iter(tops)) + "/"
    files: dict[str, bytes] = {}
    for info in entries:
        name = info.filename
        if _ignored(name) or not name.startswith(prefix):
            continue
        relative = posixpath.normpath(name[len(prefix) :])
        if relative.startswith(("..", "/")):
            problems.append(Problem(name, 1, "path points outside the course folder"))
            continue
        if info.file_size > MAX_FILE_BYTES:
            problems.append(Problem(name, 1, f"file is larger than {MAX_FILE_BYTES} bytes"))
            continue
        try:
            files[relative] = archive.read(info)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            RuntimeError,
            NotImplementedError,
            ValueError,
            EOFError,
        ) as error:
            # Corrupt, encrypted or unsupported entries: report, never crash the upload.
            problems.append(Problem(name, 1, f"cannot read this file from the zip ({error})"))
    slug = prefix.rstrip("/") or None
    return slug, files, problems


def _outside(name: str) -> bool:
    return name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/")


def _ignored(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))
