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
from lms.people.models import AuthSession, PasswordToken, User

__all__ = [
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
