"""The words of the use-case library: stored keys -> what people read."""

from __future__ import annotations

STATUSES: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Waiting for review",
    "changes-requested": "Changes requested",
    "published": "Published",
    "declined": "Declined",
    "removed": "Removed",
}
# What the reviewer can decide from each status, in the words of the review form.
DECISIONS: dict[str, str] = {
    "published": "Publish it",
    "changes-requested": "Ask for changes",
    "declined": "Decline it",
    "removed": "Remove it from the library",
}
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "published": ("submitted",),
    "changes-requested": ("submitted",),
    "declined": ("submitted",),
    "removed": ("published",),
}
# Decisions that need words to the author, and what to ask for.
NEEDS_NOTE: dict[str, str] = {
    "changes-requested": "Say what to change: the author will read it.",
    "declined": "Say why it is declined: the author will read it.",
    "removed": "Say why it is removed: the author will read it.",
}
# Statuses in which the author may still edit (and then submit).
EDITABLE = ("draft", "submitted", "changes-requested")
