"""Configuration: defaults here, overridden by ``LMS_*`` environment variables or
``create_app(config)``."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from lms.hosting import apply_host_settings

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
    # Throttling counts in the app's own database (lms/auth/ratelimit_store.py), so every worker
    # and server shares them with no extra service; redis://... uses Redis instead.
    "RATELIMIT_STORAGE_URI": "database://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_LIMIT_PER_IP": "20 per minute;100 per hour",
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute;20 per hour",
    # A login dies on the server this long after it began, or after this long unused.
    "SESSION_MAX_AGE_DAYS": 14,
    "SESSION_IDLE_DAYS": 7,
    "SET_PASSWORD_TOKEN_HOURS": 72,
    "COURSES_DIR": None,  # defaults to <project>/courses
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "PREFERRED_URL_SCHEME": "http",
    # Who approves a course version's answers as level evidence: "admin" or "second-author".
    "EVIDENCE_APPROVAL": "admin",
    # Question statistics show no figure for a question with fewer answers than this.
    "ITEM_STATS_MIN_RESPONSES": 30,
    # Markdown rendering budgets, in CPU seconds of the Markdown worker (lms/courses/render.py):
    # one course file, one whole course, one live preview; and live previews per author.
    "RENDER_BUDGET_SECONDS": 1.0,
    "RENDER_COURSE_BUDGET_SECONDS": 5.0,
    "PREVIEW_BUDGET_SECONDS": 0.5,
    "PREVIEW_LIMIT": "30 per minute",
    # Validations and publishes of drafts per author (each renders the whole course).
    "DRAFT_CHECK_LIMIT": "20 per minute",
    # Author workspace drafts: how many one author keeps, and how large one may be.
    "DRAFTS_PER_AUTHOR": 20,
    "DRAFT_MAX_MB": 20,
}

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_config(instance_path: Path, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Merge defaults, ``LMS_*`` environment variables and explicit overrides (in that order)."""
    config: dict[str, Any] = dict(DEFAULTS)
    config.update(_from_env(os.environ))
    if overrides:
        config.update(overrides)
    if "DATABASE_URL" in config and "SQLALCHEMY_DATABASE_URI" not in (overrides or {}):
        config["SQLALCHEMY_DATABASE_URI"] = config.pop("DATABASE_URL")
    config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance_path / 'lms.sqlite3'}"
    )
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret_key(instance_path)
    if config.get("COURSES_DIR") is None:
        config["COURSES_DIR"] = str(PROJECT_ROOT / "courses")
    secure = str(config.get("PREFERRED_URL_SCHEME")) == "https"
    config.setdefault("SESSION_COOKIE_SECURE", secure)
    config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    # The base URL, the host names answered to and the proxies believed (see lms/hosting.py).
    apply_host_settings(config)
    return config


def normalise_database_url(url: str) -> str:
    """Accept ``postgresql://`` URLs and route them to psycopg 3, the driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _from_env(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith("LMS_") or key.startswith("LMS_TEST_"):
            continue
        name = key[4:]
        config[name] = _coerce(value)
    return config


def _coerce(value: str) -> Any:
    lowered = value.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if value.isdigit():
        return int(value)
    return value


def _instance_secret_key(instance_path: Path) -> str:
    """Generate the secret key once into the instance folder, readable only by its owner."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
