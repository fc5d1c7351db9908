"""Signals the AI tools register sends, for features that keep something derived from it (the
search index). Receivers run in the sender's transaction, take the session as the sender and must
only flush; they are connected in the subscribing feature's ``wiring`` module.
"""

from blinker import Namespace

_signals = Namespace()

# Sent after a tool was added, changed or taken off the register. kwargs: tool_id (int)
tool_changed = _signals.signal("tool-changed")
