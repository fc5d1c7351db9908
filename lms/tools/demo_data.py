"""The demo organisation's AI tools: a register, filled-in settings, a programme owner and
reports in every status, so the tools pages, the course placeholders and the usage overview show
something real. Idempotent: what exists is left as it is (tools by name, settings once, reports
only while there are none), so ``lms demo`` can run again and an operator's edits survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from lms.database import DbSession
from lms.people.models import User, utcnow
from lms.people.services import find_user_by_email
from lms.tools.content import SETTINGS_ID
from lms.tools.models import ProgrammeOwner, ProgrammeSettings, ToolReport
from lms.tools.register import ToolData, all_tools, save_tool
from lms.tools.reports import ReportData, change_status, submit_report
from lms.tools.settings import SettingsData, save_settings
from lms.tools.vocabulary import DATA_CLASSES

ADMIN = "alex.exec@example.com"
PROGRAMME_OWNER = "ada.author@example.com"

DATA_CARD = """\
- **Public**: published material. Any approved tool.
- **Internal**: everyday work documents. Approved tools, signed in with your work account.
- **Confidential**: customer contracts, pricing, source code, plans. Only tools marked
  *Allowed* for it below, and only what the task needs.
- **Personal data**: anything about a person. Only where the register says so; when in doubt,
  ask first.
"""

SETTINGS = SettingsData(
    policy_url="https://intranet.example.com/policies/ai-use",
    policy_title="the AI use policy",
    contact_name="the AI programme team",
    contact_email="ai-help@example.com",
    contact_channel="#ask-ai in the team chat",
    data_card_markdown=DATA_CARD,
)

# name, purpose, (public, internal, confidential, personal), access, owner, licence, notes
TOOLS: list[tuple[str, str, tuple[str, str, str, str], str, str, str, str]] = [
    (
        "Company chat assistant",
        "Drafting, summarising and brainstorming in a chat, with your work account.",
        ("allowed", "allowed", "allowed", "ask-first"),
        "Open chat.example.com and sign in with your work account: everyone has a licence.",
        "priya.cto@example.com",
        "everyone",
        "Chats are kept for 30 days and never used to train the vendor's models.",
    ),
    (
        "Code assistant",
        "Suggestions, explanations and tests in the code editor.",
        ("allowed", "allowed", "allowed", "not-allowed"),
        "Ask for a seat through the IT service desk; engineering teams get one within a day.",
        "ravi.lead@example.com",
        "on-request",
        "Never paste credentials or customer data into prompts or code comments.",
    ),
    (
        "Meeting transcriber",
        "Transcripts, summaries and action lists of video calls.",
        ("allowed", "allowed", "ask-first", "ask-first"),
        "Switch it on in the video-call settings, and tell everyone in the call first.",
        "tom.ops@example.com",
        "pilot",
        "Pilot in operations and customer support until the end of the quarter.",
    ),
    (
        "Image studio",
        "Illustrations and visuals for slides, posts and campaigns.",
        ("allowed", "ask-first", "not-allowed", "not-allowed"),
        "Ask the marketing team for a licence.",
        "dan.mkt@example.com",
        "on-request",
        "No photos of colleagues or customers, and no logos of other companies.",
    ),
    (
        "Translation assistant",
        "Translating emails, documents and help articles.",
        ("allowed", "allowed", "ask-first", "not-allowed"),
        "Built into the company chat assistant: choose “Translate”.",
        "carla.cs@example.com",
        "everyone",
        "",
    ),
]


@dataclass(frozen=True)
class DemoReport:
    email: str
    kind: str
    tool: str
    frequency: str
    pays: str
    reason: str
    days_ago: int


def _use(email: str, tool: str, pays: str, reason: str, days_ago: int) -> DemoReport:
    return DemoReport(email, "use", tool, "weekly", pays, reason, days_ago)


PERSONAL_CHAT = "Personal chat subscription"
REPORTS = [
    _use("eli.employee@example.com", PERSONAL_CHAT, "20-50", "Longer answers for debugging.", 40),
    _use("noah.dev@example.com", PERSONAL_CHAT, "20-50", "Code reviews at home.", 38),
    _use("lena.dev@example.com", PERSONAL_CHAT, "under-20", "Explaining legacy code.", 35),
    _use("omar.dev@example.com", PERSONAL_CHAT, "nothing", "Incident write-ups.", 33),
    _use("zoe.dev@example.com", PERSONAL_CHAT, "over-50", "Newest model for prototypes.", 30),
    _use("ken.dev@example.com", PERSONAL_CHAT, "20-50", "Test data ideas.", 29),
    _use("ben.sales@example.com", PERSONAL_CHAT, "20-50", "Call preparation.", 27),
    _use("amy.sales@example.com", PERSONAL_CHAT, "under-20", "Proposal drafts.", 26),
    _use("sara.sales@example.com", PERSONAL_CHAT, "nothing", "Account research.", 25),
    _use("ella.mkt@example.com", PERSONAL_CHAT, "20-50", "Headline ideas.", 24),
    _use("dan.mkt@example.com", PERSONAL_CHAT, "over-50", "Campaign briefs.", 22),
    _use("yusuf.cs@example.com", "Free online transcriber", "nothing", "Call notes.", 20),
    _use("nina.cs@example.com", "Free online transcriber", "nothing", "Call notes.", 19),
    _use("hana.hr@example.com", "Browser writing extension", "under-20", "Tone of emails.", 15),
    DemoReport(
        "mia.fin@example.com",
        "request",
        "Spreadsheet formula helper",
        "daily",
        "nothing",
        "Month-end reconciliations take two days of formula work.",
        12,
    ),
    *[
        DemoReport(email, "request", "Spreadsheet formula helper", "weekly", "nothing", why, days)
        for email, why, days in (
            ("felix.fin@example.com", "Forecast models.", 11),
            ("ivy.ops@example.com", "Supplier price comparisons.", 10),
            ("tom.ops@example.com", "Capacity planning sheets.", 9),
            ("lucas.legal@example.com", "Contract registers.", 8),
        )
    ],
]

# (reporter, tool, status, answer, covered by)
OUTCOMES = [
    (
        "eli.employee@example.com",
        PERSONAL_CHAT,
        "covered",
        "The company chat assistant has the same model, takes confidential data and costs you "
        "nothing: please use it and cancel the personal subscription.",
        "Company chat assistant",
    ),
    ("noah.dev@example.com", PERSONAL_CHAT, "under-review", "", None),
    (
        "hana.hr@example.com",
        "Browser writing extension",
        "declined",
        "It sends everything typed in the browser to its vendor, HR data included. The company "
        "chat assistant can check the tone of an email.",
        None,
    ),
    (
        "mia.fin@example.com",
        "Spreadsheet formula helper",
        "approved-with-conditions",
        "Approved for finance as a pilot: no personal data in the sheets you share with it.",
        None,
    ),
    ("felix.fin@example.com", "Spreadsheet formula helper", "approved", "", None),
]


def seed_tools_demo(session: DbSession) -> None:
    """Fill in what is missing of the demo's tools data (see the module's docstring). Flushes."""
    admin = find_user_by_email(session, ADMIN)
    if admin is None:
        return
    owner = find_user_by_email(session, PROGRAMME_OWNER)
    if owner is not None and session.get(ProgrammeOwner, owner.id) is None:
        session.add(ProgrammeOwner(user_id=owner.id, added_by_id=admin.id))
    if session.get(ProgrammeSettings, SETTINGS_ID) is None:
        save_settings(session, SETTINGS, admin)
    _seed_register(session, admin)
    if not session.scalar(select(func.count()).select_from(ToolReport)):
        _seed_reports(session, admin)
    session.flush()


def _seed_register(session: DbSession, admin: User) -> None:
    known = {tool.name_key for tool in all_tools(session)}
    for name, purpose, data, access, owner_email, licence, notes in TOOLS:
        if name.casefold() in known:
            continue
        owner = find_user_by_email(session, owner_email)
        allowances = dict(zip(DATA_CLASSES, data, strict=True))
        tool = ToolData(
            name, purpose, allowances, access, owner.id if owner else None, licence, notes
        )
        save_tool(session, None, tool, admin)


def _seed_reports(session: DbSession, admin: User) -> None:
    register = all_tools(session)
    by_name = {tool.name: tool for tool in register}
    now = utcnow()
    sent: dict[tuple[str, str], ToolReport] = {}
    for item in REPORTS:
        person = find_user_by_email(session, item.email)
        if person is None:
            continue
        data = ReportData(item.kind, None, item.tool, item.frequency, item.pays, item.reason)
        report = submit_report(session, person, data, register)
        report.created_at = report.updated_at = now - timedelta(days=item.days_ago)
        sent[(item.email, item.tool)] = report
    for email, tool, status, answer, covered_by in OUTCOMES:
        answered = sent.get((email, tool))
        if answered is not None:
            covered = by_name.get(covered_by) if covered_by else None
            change_status(session, answered, status, answer, covered, admin)
