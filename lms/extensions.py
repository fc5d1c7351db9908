"""Flask extensions, created unbound and initialised in :func:`lms.create_app`."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class RouteLimiter(Limiter):
    """Flask-Limiter, minus its per-request cost on routes without a limit.

    Flask-Limiter's ``before_request`` hook resolves application-wide, default and blueprint limits
    (and limits hinted for the endpoint) on every request, static files included. This app declares
    its limits on routes only (``@limiter.limit``), which the decorated view checks itself, so the
    hook found nothing and still cost a noticeable share of a cheap page. It is skipped while
    no such limit exists; configure one (``RATELIMIT_DEFAULT``, ``RATELIMIT_APPLICATION``,
    ``limiter.limit`` on a blueprint) and it runs again as usual. The ``after_request`` hook, which
    deducts failed logins (``deduct_when``) and sends the rate-limit headers, is unchanged.
    """

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware and not self._has_request_wide_limits():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _has_request_wide_limits(self) -> bool:
        manager = self.limit_manager
        return bool(
            manager.application_limits
            or manager.default_limits
            # No public accessor lists blueprint limits without resolving them for a request.
            or manager._blueprint_limits
            or manager.has_hints(request.endpoint or "")
        )


limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])
