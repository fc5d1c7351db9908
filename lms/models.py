"""Import every model module so the metadata (and Alembic autogenerate) sees all tables."""

from lms.people.models import AuthSession, PasswordToken, User

__all__ = ["AuthSession", "PasswordToken", "User"]
