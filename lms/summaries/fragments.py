"""Rendering a dashboard's figures once per stored summary and worker."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask import current_app, flash
from markupsafe import Markup

from lms.summaries.store import LruCache, Summary


def render_fragment(template_name: str, **context: Any) -> Markup:
    """A template rendered without the request's context processors (the figures must not depend
    on who is looking). Marked safe because it is the output of the app's autoescaping Jinja
    environment, which escaped every value on the way in."""
    template = current_app.jinja_env.get_template(template_name)
    return Markup(template.render(**context))  # noqa: S704  (escaped by Jinja, see above)


def cached_fragment(
    summary: Summary[Any], render: Callable[[], Markup], *variant: Hashable
) -> Markup:
    """HTML rendered from a stored summary, kept per app and worker under the summary's identity
    (key, computed_at) and whatever else the HTML depends on (``variant``). Figures computed live
    are rendered every time."""
    if summary.cache_key is None:
        return render()
    cache: LruCache[Markup] = current_app.extensions.setdefault("summary_fragments", LruCache())
    return cache.get_or_make((*summary.cache_key, *variant), render)


def flash_refreshed(summary: Summary[Any], now: datetime) -> None:
    """Tell whoever pressed "Refresh now" what happened."""
    if summary.computed_at >= now:
        flash("The figures were recomputed just now.", "success")
    else:
        flash("These figures are being recomputed by another request; reload in a moment.", "info")
