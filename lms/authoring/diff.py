"""Readable differences between two versions of a course (or a draft and the live version).

Markdown files are compared line by line with :mod:`difflib`; images and attachments by their
SHA-256. The result is plain data: templates render it, and Jinja escapes every line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass
class DiffLine:
    kind: str  # "context", "added", "removed" or "gap"
    old: int | None
    new: int | None
    text: str


@dataclass
class FileDiff:
    path: str
    status: str  # "added", "removed", "changed"
    binary: bool = False
    lines: list[DiffLine] = field(default_factory=list)
    added: int = 0
    removed: int = 0


def diff_files(
    old_text: dict[str, str],
    new_text: dict[str, str],
    old_assets: dict[str, str] | None = None,
    new_assets: dict[str, str] | None = None,
    context: int = 3,
) -> list[FileDiff]:
    """Every changed file, in path order. ``*_assets`` map binary paths to a content hash."""
    diffs: list[FileDiff] = []
    for path in sorted(set(old_text) | set(new_text)):
        old, new = old_text.get(path), new_text.get(path)
        if old == new:
            continue
        status = "added" if old is None else "removed" if new is None else "changed"
        diffs.append(_text_diff(path, status, old or "", new or "", context))
    old_assets, new_assets = old_assets or {}, new_assets or {}
    for path in sorted(set(old_assets) | set(new_assets)):
        before, after = old_assets.get(path), new_assets.get(path)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "changed"
        diffs.append(FileDiff(path=path, status=status, binary=True))
    diffs.sort(key=lambda diff: diff.path)
    return diffs


def _text_diff(path: str, status: str, old: str, new: str, context: int) -> FileDiff:
    a, b = old.splitlines(), new.splitlines()
    diff = FileDiff(path=path, status=status)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for number, group in enumerate(matcher.get_grouped_opcodes(context)):
        if number:
            diff.lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                diff.lines.extend(
                    DiffLine("context", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)
                )
                continue
            if tag in {"replace", "delete"}:
                diff.lines.extend(
                    DiffLine("removed", i1 + k + 1, None, a[i1 + k]) for k in range(i2 - i1)
                )
                diff.removed += i2 - i1
            if tag in {"replace", "insert"}:
                diff.lines.extend(
                    DiffLine("added", None, j1 + k + 1, b[j1 + k]) for k in range(j2 - j1)
                )
                diff.added += j2 - j1
    return diff


def unified_diff(old_text: dict[str, str], new_text: dict[str, str], old: str, new: str) -> str:
    """The same changes as a plain unified diff (for download)."""
    chunks: list[str] = []
    for path in sorted(set(old_text) | set(new_text)):
        before, after = old_text.get(path, ""), new_text.get(path, "")
        if before == after:
            continue
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"{old}/{path}" if path in old_text else "/dev/null",
                tofile=f"{new}/{path}" if path in new_text else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)
