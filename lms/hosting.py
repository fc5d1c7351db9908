"""Where the app lives and whom it believes about it: the base URL, trusted hosts, proxy headers.

- ``BASE_URL`` (``LMS_BASE_URL``) is the public address of the app. Everything that must not
  depend on the request (ids inside issued credentials, links in emails and CLI output) is built
  from it. It is checked at startup: an absolute ``http(s)://`` URL or nothing.
- ``TRUSTED_HOSTS`` (``LMS_TRUSTED_HOSTS``, comma-separated; a leading dot also accepts every
  subdomain, ``*`` accepts any host) are the host names the app answers to; a request whose
  ``Host`` is another one gets 400 (Flask's ``TRUSTED_HOSTS``). The base URL's host is always
  trusted and is the default. Without a base URL and without the setting any host is accepted,
  as before: nothing then issues credentials.
- ``PROXY_FIX`` (``LMS_PROXY_FIX``) is the number of proxies in front of the app whose
  ``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Port`` are believed (werkzeug's ``ProxyFix``).
  Unset or 0, the headers are ignored: anyone can send them, so believing them without a proxy
  that overwrites them would let a client choose its address (login throttling) or host.
  ``X-Forwarded-Prefix`` is never believed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


class ConfigError(ValueError):
    """A setting that cannot work; raised at startup with the variable's name in the message."""


def apply_host_settings(config: dict[str, Any]) -> None:
    """Check and normalise ``BASE_URL``, ``TRUSTED_HOSTS`` and ``PROXY_FIX`` in place."""
    base = base_url_setting(config.pop("BASE_URL", None))
    if base is not None:  # absent, not None: callers fall back with config.get("BASE_URL", ...)
        config["BASE_URL"] = base
    config["TRUSTED_HOSTS"] = trusted_hosts_setting(config.get("TRUSTED_HOSTS"), base)
    config["PROXY_FIX"] = proxy_count_setting(config.get("PROXY_FIX"))


def base_url_setting(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"LMS_BASE_URL must be the site's public address as an absolute http(s) URL, "
            f"such as https://lms.example.com (got {text!r})."
        )
    return text


def trusted_hosts_setting(value: Any, base_url: str | None) -> list[str] | None:
    if isinstance(value, str):
        names = [name for name in re.split(r"[\s,]+", value) if name]
    elif isinstance(value, list | tuple | set):
        names = [str(name).strip() for name in value if str(name).strip()]
    elif value is None:
        names = []
    else:
        raise ConfigError(f"LMS_TRUSTED_HOSTS must be comma-separated host names (got {value!r}).")
    if "*" in names:
        return None
    base_host = urlsplit(base_url).hostname if base_url else None
    if base_host and base_host not in names:
        names.insert(0, base_host)
    return [name.lower() for name in names] or None


def proxy_count_setting(value: Any) -> int:
    if value is None or value is False or value == "":
        return 0
    if value is True:
        return 1
    if isinstance(value, int) and 0 <= value <= 10:
        return value
    raise ConfigError(
        f"LMS_PROXY_FIX must be the number of proxies in front of the app, 0 to 10 (got {value!r})."
    )


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=0
        )
