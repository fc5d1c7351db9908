"""Placeholders in published course text: their values, filled in at publish and again when a
value changes.

Publishing (``lms.courses.publish.publish_course``) calls :func:`resolve_published`: every lesson
and overview whose HTML names placeholders keeps that HTML as a :class:`PlaceholderTemplate`, with
one :class:`PlaceholderUse` row per placeholder it names, and its stored HTML becomes the template
with the values filled in. Saving a setting or changing the register calls :func:`rerender` with
the keys that changed; it redoes the stored HTML of the live versions' texts that use them.
Learners' pages keep reading stored HTML.

Values are escaped into HTML built here and the result passes the course sanitizer again: a
setting cannot inject markup or script, and nothing is ever evaluated as a template. A value that
is not filled in shows a neutral sentence ("ask your manager ..."), never an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import escape
from sqlalchemy import select

from lms.courses.models import Course, CourseVersion, ModuleVersion
from lms.courses.placeholders import Placeholder, placeholders_in_html, substitute, tool_key
from lms.courses.render import sanitize
from lms.courses.signals import course_changed
from lms.database import DbSession
from lms.tools.models import AiTool, PlaceholderTemplate, PlaceholderUse, ProgrammeSettings

REGISTER_PATH = "/tools/"  # the register page (lms.tools.views.index)
SETTINGS_ID = 1

# What a placeholder shows while its value is not filled in: words that still read as part of
# the sentence around it, and send the learner somewhere sensible.
NEUTRAL_INLINE = {
    "org:policy-link": "your organisation's AI policy (ask your manager where to find it)",
    "org:ai-contact": "your manager",
    "org:data-classes": "your organisation's data classes (ask your manager which data may go "
    "into which tool)",
    "tools:approved": "the approved AI tools (ask your manager which tools are approved)",
    "tool": "an approved tool (ask your manager which one)",
}
NEUTRAL_BLOCK = {
    "org:data-classes": "<p>Ask your manager how your organisation classifies data and which "
    "classes of data may go into which AI tool.</p>",
    "tools:approved": "<p>Ask your manager which AI tools are approved for work.</p>",
}
# How the settings page names each value a course may use.
VALUE_LABELS = {
    "org:policy-link": "The link to the AI policy",
    "org:ai-contact": "The AI contact",
    "org:data-classes": "The data-classification card",
    "tools:approved": "The approved tools list (the register is empty)",
}


def tool_path(tool_id: int) -> str:
    return f"{REGISTER_PATH}{tool_id}"


@dataclass
class Values:
    """Everything placeholders can show, read in two statements."""

    settings: ProgrammeSettings | None
    tools: list[AiTool] = field(default_factory=list)

    def tool(self, name: str) -> AiTool | None:
        key = tool_key(name)
        return next((tool for tool in self.tools if tool.name_key == key), None)

    def filled(self, key: str) -> bool:
        settings = self.settings
        if key == "org:policy-link":
            return bool(settings and settings.policy_url)
        if key == "org:ai-contact":
            return bool(settings and settings.contact_name)
        if key == "org:data-classes":
            return bool(settings and settings.data_card_html)
        if key == "tools:approved":
            return bool(self.tools)
        return key.startswith("tool:") and self.tool(key[len("tool:") :]) is not None


def load_values(session: DbSession, settings: ProgrammeSettings | None = None) -> Values:
    """The values (``settings``: already read, to spare a statement)."""
    tools = list(session.scalars(select(AiTool).order_by(AiTool.name_key)))
    return Values(settings or session.get(ProgrammeSettings, SETTINGS_ID), tools)


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def inline_html(placeholder: Placeholder, values: Values) -> str:
    key, settings = placeholder.key, values.settings
    if placeholder.namespace == "tool":
        tool = values.tool(placeholder.name)
        return _link(tool_path(tool.id), tool.name) if tool else NEUTRAL_INLINE["tool"]
    if not values.filled(key):
        return NEUTRAL_INLINE[key]
    if key == "org:policy-link" and settings:
        return _link(settings.policy_url, settings.policy_title or "the AI policy")
    if key == "org:ai-contact" and settings:
        return contact_html(settings)
    if key == "org:data-classes":
        return _link(f"{REGISTER_PATH}#data-classes", "the data-classification card")
    return _link(REGISTER_PATH, "the approved AI tools list")


def contact_html(settings: ProgrammeSettings) -> str:
    """``Name (email or channel)``, the email as a mail link."""
    ways = []
    if settings.contact_email:
        ways.append(_link(f"mailto:{settings.contact_email}", settings.contact_email))
    if settings.contact_channel:
        ways.append(str(escape(settings.contact_channel)))
    name = str(escape(settings.contact_name))
    return f"{name} ({' or '.join(ways)})" if ways else name


def block_html(placeholder: Placeholder, values: Values) -> str:
    key = placeholder.key
    if not values.filled(key):
        return NEUTRAL_BLOCK[key]
    if key == "org:data-classes" and values.settings:
        return values.settings.data_card_html
    items = "".join(
        f"<li>{_link(tool_path(tool.id), tool.name)}: {escape(tool.purpose)}</li>"
        for tool in values.tools
    )
    return (
        f"<ul>{items}</ul><p>Which data may go into each: "
        f"{_link(REGISTER_PATH, 'the AI tools register')}.</p>"
    )


def resolve(html: str, values: Values) -> str:
    """``html`` (sanitized course HTML with placeholders) with the values filled in, sanitized
    again as a whole."""
    filled = substitute(
        html,
        lambda placeholder: inline_html(placeholder, values),
        lambda placeholder: block_html(placeholder, values),
    )
    return sanitize(filled)


def resolve_published(
    session: DbSession, version: CourseVersion, modules: Iterable[ModuleVersion]
) -> None:
    """The publish hook: record which of ``version``'s texts name which placeholders, and fill
    them in. No statement at all for a course without placeholders. Flushes."""
    texts: list[tuple[ModuleVersion | None, str]] = [(None, version.overview_html)]
    texts += [(module, module.html) for module in modules]
    found = [(module, html, placeholders_in_html(html)) for module, html in texts]
    found = [entry for entry in found if entry[2]]
    if not found:
        return
    values = load_values(session)
    for module, html, placeholders in found:
        template = PlaceholderTemplate(
            course_version_id=version.id,
            module_version_id=module.id if module else None,
            html=html,
            uses=[PlaceholderUse(key=key) for key in sorted({p.key for p in placeholders})],
        )
        session.add(template)
        if module is None:
            version.overview_html = resolve(html, values)
        else:
            module.html = resolve(html, values)
    session.flush()


def rerender(session: DbSession, keys: Iterable[str]) -> int:
    """Fill in again the live versions' texts that use any of ``keys``; how many. Flushes."""
    wanted = sorted(set(keys))
    if not wanted:
        return 0
    users = select(PlaceholderUse.template_id).where(PlaceholderUse.key.in_(wanted))
    rows = session.execute(
        select(PlaceholderTemplate, CourseVersion, ModuleVersion)
        .join(CourseVersion, CourseVersion.id == PlaceholderTemplate.course_version_id)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .outerjoin(ModuleVersion, ModuleVersion.id == PlaceholderTemplate.module_version_id)
        .where(PlaceholderTemplate.id.in_(users))
    ).all()
    if not rows:
        return 0
    values = load_values(session)
    for template, version, module in rows:
        if module is None:
            version.overview_html = resolve(template.html, values)
        else:
            module.html = resolve(template.html, values)
    session.flush()
    # The course text changed as if published: whatever keeps a copy (search) follows.
    for course_id in sorted({version.course_id for _, version, _ in rows}):
        course_changed.send(session, course_id=course_id)
    return len(rows)


@dataclass
class MissingValue:
    """A value live course text uses that is not filled in, and the courses using it."""

    label: str
    courses: list[str]


def unfilled_in_use(session: DbSession, values: Values) -> list[MissingValue]:
    """What the live courses name that would show a neutral sentence today (one statement)."""
    rows = session.execute(
        select(PlaceholderUse.key, CourseVersion.title)
        .join(PlaceholderTemplate, PlaceholderTemplate.id == PlaceholderUse.template_id)
        .join(CourseVersion, CourseVersion.id == PlaceholderTemplate.course_version_id)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .distinct()
    ).all()
    courses: dict[str, set[str]] = defaultdict(set)
    for key, title in rows:
        if not values.filled(key):
            courses[key].add(title)
    return [
        MissingValue(_value_label(key), sorted(courses[key]))
        for key in sorted(courses, key=lambda key: (key.startswith("tool:"), key))
    ]


def _value_label(key: str) -> str:
    if key.startswith("tool:"):
        return f"A tool called “{key[len('tool:') :]}”: not in the register"
    return VALUE_LABELS[key]
