"""Import every model module so the metadata (and Alembic autogenerate) sees all tables."""

from lms.authoring.models import CourseDraft
from lms.courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    Module,
    ModuleVersion,
    Question,
    QuestionVersion,
)
from lms.activity.models import ActivityEvent
from lms.learn.models import Attempt, AttemptAnswer, Enrolment, ModuleProgress, SelfRating
from lms.literacy.models import LevelChange, LiteracyLevel
from lms.people.models import AuthSession, PasswordToken, User

__all__ = [
    "ActivityEvent",
    "Attempt",
    "AttemptAnswer",
    "Enrolment",
    "LevelChange",
    "LiteracyLevel",
    "ModuleProgress",
    "SelfRating",
    "AuthSession",
    "Course",
    "CourseAsset",
    "CourseDraft",
    "CourseVersion",
    "Module",
    "ModuleVersion",
    "PasswordToken",
    "Question",
    "QuestionVersion",
    "User",
]
