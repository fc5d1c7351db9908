"""Signals the use-case library sends, for features that keep something derived from published
cases (the search index). Receivers run in the sender's transaction, take the session as the
sender and must only flush; they are connected in the subscriber's ``wiring``."""

from blinker import Namespace

_signals = Namespace()

# Sent after a case was published, changed while published, or left the library.
# kwargs: use_case_id (int)
use_case_changed = _signals.signal("use-case-changed")
