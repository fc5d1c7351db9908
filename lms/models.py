"""Import every model module so the metadata (and Alembic autogenerate) sees all tables."""

from lms.activity.models import ActivityEvent
from lms.assignments.models import Assignment, AssignmentReminder
from lms.auth.models import RateLimitCounter
from lms.authoring.models import CourseDraft
from lms.champions.models import Champion
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
    BaselineProgress,
    Enrolment,
    ModuleProgress,
    SelfRating,
    TimeAccommodation,
)
from lms.literacy.models import LevelChange, LiteracyLevel
from lms.notifications.models import Notification
from lms.officehours.models import (
    OfficeHoursAudience,
    OfficeHoursSeries,
    OfficeHoursSession,
    OfficeHoursSignup,
)
from lms.org.models import OrgSetting, Snapshot
from lms.people.models import AuthSession, PasswordToken, User
from lms.pulse.models import (
    Pulse,
    PulseAnswerCount,
    PulseParticipation,
    PulseQuestion,
    PulseQuestionOption,
)
from lms.recognition.kudos_models import Certificate, Kudos
from lms.recognition.models import Badge, BadgeAward, RecognitionSettings
from lms.search.models import SearchDocument
from lms.summaries.models import StoredSummary
from lms.team.models import TeamReminder
from lms.tools.models import (
    AiTool,
    PlaceholderTemplate,
    PlaceholderUse,
    ProgrammeOwner,
    ProgrammeSettings,
    ToolReport,
)
from lms.usecases.models import UseCase, UseCaseArea, UseCaseReport, UseCaseTry

__all__ = [
    "ActivityEvent",
    "AiTool",
    "Assignment",
    "AssignmentReminder",
    "Attempt",
    "AttemptAnswer",
    "AttemptGrant",
    "AuthSession",
    "Badge",
    "BadgeAward",
    "BaselineProgress",
    "Certificate",
    "Champion",
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
    "OfficeHoursAudience",
    "OfficeHoursSeries",
    "OfficeHoursSession",
    "OfficeHoursSignup",
    "OrgSetting",
    "PasswordToken",
    "PlaceholderTemplate",
    "PlaceholderUse",
    "ProgrammeOwner",
    "ProgrammeSettings",
    "Pulse",
    "PulseAnswerCount",
    "PulseParticipation",
    "PulseQuestion",
    "PulseQuestionOption",
    "Question",
    "QuestionVersion",
    "RateLimitCounter",
    "RecognitionSettings",
    "SearchDocument",
    "SelfRating",
    "Snapshot",
    "StoredSummary",
    "TeamReminder",
    "TimeAccommodation",
    "ToolReport",
    "UseCase",
    "UseCaseArea",
    "UseCaseReport",
    "UseCaseTry",
    "User",
]
