"""Security headers on every kind of response (checklist item 10)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lms.people.models import User
from tests.conftest import csrf_token


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response: TestResponse, label: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{label}: no Content-Security-Policy"
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, f"{label}: CSP limits no scripts"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, label
    assert "*" not in scripts and "data:" not in scripts, label
    assert directives.get("object-src") == ["'none'"], label
    assert directives.get("base-uri") in (["'none'"], ["'self'"]), label
    assert headers.get("X-Content-Type-Options") == "nosniff", label
    assert headers.get("Referrer-Policy") in {
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"
    }, label
    frame_ancestors = directives.get("frame-ancestors")
    assert frame_ancestors in (["'none'"], ["'self'"]) or headers.get("X-Frame-Options") in {
        "DENY", "SAMEORIGIN"
    }, label


@pytest.fixture
def responses(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> Iterator[dict[str, TestResponse]]:
    anonymous = app.test_client()
    employee = logged_in(make_user())
    collected = {
        "html login page": anonymous.get("/login"),
        "html home page (logged in)": employee.get("/"),
        "json health check": anonymous.get("/healthz"),
        "404 page": anonymous.get("/no/such/page"),
        "404 static file": anonymous.get("/static/no-such-file.css"),
        "static css": anonymous.get("/static/app.css"),
        "redirect to login": anonymous.get("/"),
        "403 page": employee.get("/admin/people"),
        "405 page": employee.get("/logout"),
        "400 csrf failure": employee.post("/logout"),
        "401 failed login": anonymous.post(
            "/login",
            data={"email": "x@example.com", "password": "y" * 12,
                  "csrf_token": csrf_token(anonymous, "/login")},
        ),
    }
    yield collected
    for response in collected.values():
        response.close()


def test_every_kind_of_response_carries_the_security_headers(
    responses: dict[str, TestResponse],
) -> None:
    for label, response in responses.items():
        assert_secure_headers(response, label)


def test_the_sample_covers_html_json_errors_and_static(responses: dict[str, TestResponse]) -> None:
    kinds = {(r.status_code, r.mimetype) for r in responses.values()}
    assert {(200, "text/html"), (200, "application/json"), (200, "text/css"),
            (404, "text/html"), (403, "text/html"), (400, "text/html")} <= kinds


def test_pages_for_logged_in_people_are_not_cached(responses: dict[str, TestResponse]) -> None:
    assert "no-store" in responses["html home page (logged in)"].headers.get("Cache-Control", "")


def test_hsts_only_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_no_inline_script_or_style_in_the_base_page(client: FlaskClient) -> None:
    # The CSP would block them in the browser; keep the templates honest too.
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and " onclick=" not in page and " style=" not in page
