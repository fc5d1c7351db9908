"""The demo organisation's AI champions and use-case library: a champion per function (one more
waiting for an answer), a dozen published cases from the demo people's real work, some "I tried
this", and one case waiting for review. Idempotent: champions and cases are added only while
there are none, so ``lms demo`` can run again and what people changed survives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select

from lms.champions.models import CONFIRMED, Champion
from lms.champions.service import Offer, decide, volunteer
from lms.database import DbSession
from lms.people.models import User
from lms.people.services import find_user_by_email
from lms.tools.models import AiTool
from lms.tools.register import all_tools
from lms.usecases.models import UseCase
from lms.usecases.service import CaseData, mark_tried, review, save_case

REVIEWER = "ada.author@example.com"  # the demo's AI programme owner

# email, function, team only, why, helps with
CHAMPIONS = [
    (
        "ravi.lead@example.com",
        "engineering",
        False,
        "I use the code assistant every day and want the whole department to get the good parts "
        "without the risky ones.",
        "Code assistant set-up, test generation, reviewing AI-written code.",
    ),
    (
        "carla.cs@example.com",
        "customer-support",
        False,
        "My team answers hundreds of tickets a week; good drafts plus careful checks make a real "
        "difference.",
        "Reply drafts, ticket summaries, checking answers against the order system.",
    ),
    (
        "ben.sales@example.com",
        "sales",
        False,
        "Account research used to take me an evening. I can show colleagues how I do it now.",
        "Account briefs, call preparation, follow-up emails.",
    ),
    (
        "mia.fin@example.com",
        "finance",
        True,
        "I would like our team to use AI for commentary while keeping the numbers exact.",
        "Variance commentary, checking figures in AI summaries, what not to paste.",
    ),
]
PENDING = (
    "ella.mkt@example.com",
    "marketing",
    False,
    "I have built a good routine for turning webinars into articles.",
    "Repurposing content, first drafts, keeping the brand voice.",
)


@dataclass(frozen=True)
class DemoCase:
    author: str
    function: str
    tool: str
    title: str
    task: str
    steps: str
    checks: str
    risks: str
    minutes: int | None
    areas: tuple[str, ...]
    show_name: bool
    tried_by: tuple[str, ...] = ()
    days_ago: int = 10


CASES = [
    DemoCase(
        "yusuf.cs@example.com",
        "customer-support",
        "Company chat assistant",
        "First reply to a delivery complaint",
        "A customer writes that an order arrived late or damaged and wants to know what happens "
        "next. The reply must be friendly, specific and match what the order system says.",
        "1. Copy the customer's message **without** their name, address or order number.\n"
        "2. Paste the order status from the order system in your own words (e.g. *shipped on "
        "the 3rd, delivered on the 9th, one item marked damaged*).\n"
        "3. Prompt:\n\n```\nDraft a short, warm reply to this customer complaint. Apologise "
        "once, state what happened using only the facts below, and offer the next step from our "
        "policy: replacement or refund. No promises about dates I did not give you.\n```",
        "- Every date and item matches the order system.\n- The offer is one the refund policy "
        "allows.\n- No invented tracking numbers or courier names.",
        "The assistant sometimes promises a delivery date. Delete any date you did not give it.",
        8,
        ("directing", "evaluating"),
        True,
        ("nina.cs@example.com", "carla.cs@example.com", "amy.sales@example.com"),
        40,
    ),
    DemoCase(
        "nina.cs@example.com",
        "customer-support",
        "Company chat assistant",
        "Handover summary of a long ticket",
        "When a ticket moves to another shift or team, the next person needs the story in a "
        "few lines instead of thirty messages.",
        "Paste the thread with customer details removed and ask:\n\n```\nSummarise this "
        "support thread for a colleague taking it over: the problem, what we tried, what we "
        "promised and the open question. Five bullet points at most.\n```",
        "- Anything we *promised* is in the summary, word for word from the thread.\n- The open "
        "question is really still open.",
        "",
        10,
        ("delegation", "evaluating"),
        False,
        ("yusuf.cs@example.com",),
        35,
    ),
    DemoCase(
        "ben.sales@example.com",
        "sales",
        "Company chat assistant",
        "Account brief before a discovery call",
        "Before a first call with a prospect I want one page: what they do, recent news, "
        "likely priorities and three good questions.",
        "Give the assistant the company's public website text and two or three recent news "
        "items, then:\n\n```\nWrite a one-page account brief for a discovery call: business "
        "model, recent changes, three likely priorities for their operations team and three "
        "open questions I could ask. Mark anything you infer as an assumption.\n```",
        "- Every fact has a source I can click: the assistant does not browse, so anything "
        "without one is checked or deleted.\n- Assumptions are marked and phrased as "
        "questions in the call.",
        "Public information only: no pipeline data, pricing or notes from our CRM.",
        45,
        ("directing", "context"),
        True,
        ("amy.sales@example.com", "sara.sales@example.com", "eli.employee@example.com"),
        30,
    ),
    DemoCase(
        "amy.sales@example.com",
        "sales",
        "Company chat assistant",
        "Follow-up email after a product demo",
        "After a demo the follow-up should recap what the prospect cared about and the agreed "
        "next step, in their words.",
        "From my call notes (names removed):\n\n```\nDraft a follow-up email: thank them, "
        "recap the three points they reacted to most, confirm the next step and date. Under "
        "150 words, no superlatives.\n```",
        "- The next step and date are the ones we agreed.\n- No feature is described that we "
        "do not have.",
        "",
        15,
        ("directing",),
        False,
        ("ben.sales@example.com",),
        21,
    ),
    DemoCase(
        "ravi.lead@example.com",
        "engineering",
        "Code assistant",
        "Code review checklist for a pull request",
        "Before asking a colleague to review, I run my change past a checklist so the review "
        "can focus on design.",
        "In the editor, select the diff and ask:\n\n```\nReview this change against our "
        "checklist: error handling, input validation, tests for the new branches, logging "
        "without personal data, and names that say what things do. List concrete findings "
        "with line numbers; say 'none' for a clean item.\n```",
        "- Each finding is real: open the line and check.\n- The assistant does not replace "
        "the human review; it only removes the obvious.",
        "Never paste secrets or customer data, even in a test fixture.",
        20,
        ("evaluating", "responsible"),
        True,
        (
            "noah.dev@example.com",
            "zoe.dev@example.com",
            "ken.dev@example.com",
            "lena.dev@example.com",
        ),
        50,
    ),
    DemoCase(
        "ken.dev@example.com",
        "engineering",
        "Code assistant",
        "Unit tests for an untested legacy function",
        "Old functions without tests are risky to change. I ask for tests of the current "
        "behaviour first, then refactor.",
        "```\nWrite unit tests that pin down the current behaviour of this function, "
        "including edge cases: empty input, very large values, invalid types. Do not change "
        "the function.\n```\nRun them; keep only the ones that pass and that I understand.",
        "- The tests fail when I break the function on purpose.\n- No test only repeats the "
        "implementation.",
        "",
        30,
        ("delegation", "evaluating"),
        False,
        ("omar.dev@example.com",),
        18,
    ),
    DemoCase(
        "mia.fin@example.com",
        "finance",
        "Company chat assistant",
        "Variance commentary for the monthly close",
        "Each month the management pack needs a paragraph per cost line explaining the "
        "difference to budget.",
        "Paste the variance table (rounded figures, no supplier names) and my bullet notes:\n\n"
        "```\nTurn these notes into a short commentary for each line over 5% off budget. Use "
        "only the figures and reasons given. Plain English, one paragraph per line.\n```",
        "- Every figure is re-checked against the ledger: the assistant sometimes rounds or "
        "swaps two numbers.\n- Reasons are ours, not invented.",
        "Confidential figures: only in the company chat assistant, never a personal account.",
        60,
        ("evaluating", "responsible"),
        True,
        ("felix.fin@example.com", "ivy.ops@example.com"),
        28,
    ),
    DemoCase(
        "ivy.ops@example.com",
        "operations",
        "Company chat assistant",
        "Comparing supplier quotes side by side",
        "Three quotes in three formats; I need a like-for-like table before choosing.",
        "Paste the quotes' line items without supplier names (A, B, C):\n\n```\nPut these "
        "three quotes in one table: item, quantity, unit price, delivery time, payment terms. "
        "Flag any item missing from a quote.\n```",
        "- Totals recomputed in a spreadsheet, not taken from the assistant.\n- Missing items "
        "confirmed with the supplier.",
        "",
        25,
        ("delegation", "evaluating"),
        False,
        ("tom.ops@example.com",),
        14,
    ),
    DemoCase(
        "hana.hr@example.com",
        "hr",
        "Company chat assistant",
        "Job advert in plain, inclusive language",
        "Turning a hiring manager's notes into a clear advert that does not put people off.",
        "```\nWrite a job advert from these notes: what the job is, what the first three "
        "months look like, must-haves (three at most) and how to apply. Plain language, "
        "gender-neutral, no jargon.\n```",
        "- Must-haves are really required by the hiring manager.\n- Salary band and location "
        "come from the approved request, not the draft.",
        "Never paste candidates' CVs or names.",
        40,
        ("directing", "responsible"),
        True,
        ("ada.author@example.com",),
        12,
    ),
    DemoCase(
        "ella.mkt@example.com",
        "marketing",
        "Meeting transcriber",
        "Webinar recording to blog outline",
        "A one-hour webinar holds three or four articles; the transcript gets me started.",
        "Transcribe the recording with the meeting transcriber (tell attendees first), then "
        "ask the chat assistant:\n\n```\nFrom this transcript, propose three blog outlines, "
        "each with a working title, five headings and the quotes that support them.\n```",
        "- Quotes are checked against the recording.\n- Speakers approve their quotes before "
        "anything is published.",
        "",
        90,
        ("delegation", "context"),
        False,
        ("dan.mkt@example.com",),
        8,
    ),
    DemoCase(
        "lucas.legal@example.com",
        "legal",
        "Company chat assistant",
        "First pass on an NDA against our playbook",
        "Incoming NDAs are mostly standard; I want to find the clauses that differ from our "
        "playbook quickly.",
        "Paste our playbook positions and the NDA with the counterparty's name removed:\n\n"
        "```\nCompare this NDA with the playbook. List each clause that differs, the "
        "playbook position, and a suggested redline. Do not comment on clauses that match.\n```",
        "- Every flagged clause is read in full by a lawyer.\n- A clean result is not a "
        "clean NDA: the whole document is still read.",
        "Confidential: only the company chat assistant. The output is a checklist, never "
        "legal advice to send as it is.",
        30,
        ("evaluating", "responsible"),
        True,
        (),
        5,
    ),
]
WAITING = DemoCase(
    "omar.dev@example.com",
    "engineering",
    "Company chat assistant",
    "Incident timeline from the chat channel",
    "After an incident, the post-mortem needs a timeline; the chat channel has it, buried.",
    "Export the incident channel (bots and names removed) and ask for a timeline with "
    "times, events and who decided what (by role).",
    "- Times match the monitoring graphs.\n- Decisions are attributed to roles, not people.",
    "Logs may contain customer identifiers: strip them first.",
    45,
    ("delegation", "evaluating"),
    False,
)


def _person(session: DbSession, email: str) -> User:
    person = find_user_by_email(session, email)
    if not isinstance(person, User):
        raise LookupError(f"demo person {email} is missing")
    return person


def _seed_champions(session: DbSession, reviewer: User) -> None:
    if session.scalar(select(exists().where(Champion.id.is_not(None)))):
        return
    for email, function, team_only, why, helps in CHAMPIONS:
        champion = volunteer(
            session, _person(session, email), Offer(function, team_only, why, helps)
        )
        decide(session, champion, CONFIRMED, "", reviewer)
    email, function, team_only, why, helps = PENDING
    volunteer(session, _person(session, email), Offer(function, team_only, why, helps))


def _case(session: DbSession, demo: DemoCase, tools: dict[str, AiTool]) -> UseCase:
    tool = tools.get(demo.tool)
    data = CaseData(
        title=demo.title,
        task=demo.task,
        tool=tool,
        other_tool="" if tool else demo.tool,
        steps=demo.steps,
        checks=demo.checks,
        risks=demo.risks,
        minutes_saved=demo.minutes,
        job_function=demo.function,
        areas=list(demo.areas),
        show_name=demo.show_name,
    )
    return save_case(session, None, _person(session, demo.author), data, submit=True)


def seed_use_cases(session: DbSession, today: date) -> None:
    """Champions, published cases with tries, and one case waiting for review."""
    reviewer = _person(session, REVIEWER)
    _seed_champions(session, reviewer)
    if session.scalar(select(exists().where(UseCase.id.is_not(None)))):
        return
    tools = {tool.name: tool for tool in all_tools(session)}
    for demo in CASES:
        case = _case(session, demo, tools)
        review(session, case, "published", "", reviewer)
        when = datetime.combine(today - timedelta(days=demo.days_ago), time(10))
        case.created_at = case.submitted_at = when - timedelta(days=1)
        case.published_at = case.reviewed_at = case.updated_at = when
        for email in demo.tried_by:
            mark_tried(session, case, _person(session, email), demo.minutes)
    waiting = _case(session, WAITING, tools)
    waiting.submitted_at = datetime.combine(today - timedelta(days=1), time(9))
    session.flush()
