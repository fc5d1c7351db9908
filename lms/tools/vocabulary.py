"""The words of the register and of tool reports: stored keys -> what people read."""

from __future__ import annotations

DATA_CLASSES: dict[str, str] = {
    "public": "Public",
    "internal": "Internal",
    "confidential": "Confidential",
    "personal": "Personal data",
}
ALLOWANCES: dict[str, str] = {
    "allowed": "Allowed",
    "ask-first": "Ask first",
    "not-allowed": "Not allowed",
}
# A symbol next to the word, so the matrix never relies on colour alone.
ALLOWANCE_SYMBOLS: dict[str, str] = {"allowed": "✓", "ask-first": "?", "not-allowed": "✕"}
LICENCES: dict[str, str] = {
    "everyone": "Licensed for everyone",
    "on-request": "Licence on request",
    "pilot": "Pilot: limited places",
    "free": "Free version approved",
}

REPORT_KINDS: dict[str, str] = {
    "use": "I use a tool for work",
    "request": "I would like the organisation to provide a tool",
}
FREQUENCIES: dict[str, str] = {
    "daily": "Every day or almost",
    "weekly": "Every week",
    "monthly": "About once a month",
    "rarely": "Now and then",
}
# Amounts in the organisation's currency, whatever it is: the bands are the same everywhere.
PAY_BANDS: dict[str, str] = {
    "nothing": "Nothing: I don't pay for it",
    "under-20": "Under 20 a month",
    "20-50": "20 to 50 a month",
    "over-50": "Over 50 a month",
}
STATUSES: dict[str, str] = {
    "new": "New",
    "under-review": "Under review",
    "approved": "Approved",
    "approved-with-conditions": "Approved with conditions",
    "declined": "Declined",
    "covered": "Already covered by an approved tool",
}
# Statuses that need words from the programme team, and what to ask for.
NEEDS_RESPONSE: dict[str, str] = {
    "approved-with-conditions": "Write the conditions that come with the approval.",
    "declined": "Say why it is declined: the person who asked will read it.",
}
OPEN_STATUSES = ("new", "under-review")
