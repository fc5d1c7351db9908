"""Import every model module so the metadata (and Alembic autogenerate) sees all tables."""

from lms.activity.models import ActivityEvent
from lms.assignments.models import Assignment
from lms.auth.models import RateLimitCounter
from lms.authoring.models import CourseDraft
from lms.courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    MeasuredDifficulty,
    Module,
    ModuleVersion,
    Question,
    QuestionVersion,
)
from lms.learn.models import (
    Attempt,
    AttemptAnswer,
    AttemptGrant,
    Enrolment,
    ModuleProgress,
    SelfRating,
    TimeAccommodation,
)
from lms.literacy.models import LevelChange, LiteracyLevel
from lms.notifications.models import Notification
from lms.org.models import OrgSetting, Snapshot
from lms.people.models import AuthSession, PasswordToken, User
from lms.pulse.models import Pulse, PulseAnswerCount, PulseParticipation, PulseQuestion
from lms.recognition.kudos_models import Certificate, Kudos
from lms.recognition.models import Badge, BadgeAward, RecognitionSettings
from lms.summaries.models import StoredSummary
from lms.team.models import TeamReminder

__all__ = [
    "ActivityEvent",
    "Assignment",
    "Attempt",
    "AttemptAnswer",
    "AttemptGrant",
    "AuthSession",
    "Badge",
    "BadgeAward",
    "Certificate",
    "Course",
    "CourseAsset",
    "CourseDraft",
    "CourseVersion",
    "Enrolment",
    "Kudos",
    "LevelChange",
    "LiteracyLevel",
    "MeasuredDifficulty",
    "Module",
    "ModuleProgress",
    "ModuleVersion",
    "Notification",
    "OrgSetting",
    "PasswordToken",
    "Pulse",
    "PulseAnswerCount",
    "PulseParticipation",
    "PulseQuestion",
    "Question",
    "QuestionVersion",
    "RateLimitCounter",
    "RecognitionSettings",
    "SelfRating",
    "Snapshot",
    "StoredSummary",
    "TeamReminder",
    "TimeAccommodation",
    "User",
]
