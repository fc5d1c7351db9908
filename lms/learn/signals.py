"""Signals other features (badges, notifications) subscribe to, unknown to the learner code.

Receivers run inside the same transaction, take the session as the sender, and must only flush.
"""

from blinker import Namespace

_signals = Namespace()

# Sent after learning changed something that rules may depend on: a module or course completed, an
# attempt scored (levels already recomputed).
# kwargs: user_id (int), reason (str), course_id (int | None)
learning_progressed = _signals.signal("learning-progressed")
