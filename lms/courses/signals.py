"""Signals the course catalogue sends, for features that keep something derived from courses
(the search index). Receivers run in the publisher's transaction, take the session as the sender
and must only flush. They are connected in one place per subscribing feature (its ``wiring``).
"""

from blinker import Namespace

_signals = Namespace()

# Sent while a version is being published, after its rows are written and before the course
# points at it: subscribers may still adjust the stored HTML (the organisation placeholders).
# kwargs: version (CourseVersion), module_versions (list[ModuleVersion])
version_published = _signals.signal("version-published")

# Sent after a course's live content or visibility changed: a version published, the course
# retired or restored. kwargs: course_id (int)
course_changed = _signals.signal("course-changed")
