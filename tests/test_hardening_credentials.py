"""Issue 17, Open Badges: issued credentials never take their identity from the request, hosts are
checked, proxy headers are believed only when configured, and ``/ob/v3/verify`` answers every
hostile input with ``valid: false`` (never a 500), limits chunked bodies and has no GET form.

The reproductions as the tester ran them: a credential downloaded with ``Host: evil.example`` named
evil.example as its issuer and the app's verifier accepted it through that host; ``lms badges
verify`` rejected genuine credentials downloaded from the web; a deeply nested JOSE header and
out-of-range ``nbf``/``exp`` gave 500s; a chunked body past 64 KiB was read and answered.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from joserfc import jws
from werkzeug.serving import make_server

from lms import create_app
from lms.config import PROJECT_ROOT, load_config
from lms.extensions import db
from lms.hosting import ConfigError
from lms.openbadges import keys, v3
from lms.openbadges.baking import unbake
from lms.openbadges.issuer import issuer_info
from lms.openbadges.service import get_award
from lms.openbadges.urls import Urls
from lms.people.models import User
from lms.security import public
from tests.recognition_helpers import make_award, make_badge

BASE = "http://localhost"
EVIL = "evil.example"


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


@pytest.fixture
def app_config(key_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The defaults a deployment gets (trusted hosts derived from the base URL), unless a test
    is parametrized with ``settings``."""
    settings = getattr(request, "param", {})
    return {"OPENBADGES_KEY_FILE": str(key_path), "TRUSTED_HOSTS": None, **settings}


@pytest.fixture
def earner(make_user: Callable[..., User]) -> User:
    return make_user(name="Hana Host", email="hana@example.com")


@pytest.fixture
def award_id(app: Flask, earner: User) -> str:
    evidence = {"competency": "directing", "level": 2}
    return make_award(app, make_badge(app), earner, evidence=evidence)


def unb64(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def strings(document: Any) -> Iterator[str]:
    """Every string anywhere in a JSON document but its ``@context``."""
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            if key != "@context":  # the specifications' own URLs
                yield from strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from strings(value)


def urls_in(document: Any) -> list[str]:
    return [text for text in strings(document) if "://" in text]


def cli_verify(app: Flask, path: Path) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "badges", "verify", str(path)])


def sign_claims(app: Flask, claims: dict[str, Any]) -> str:
    """``claims`` signed by the issuer's real key, exactly as given (no checks, no defaults)."""
    with app.app_context():
        key = keys.signing_key()
    header = {"alg": "ES256", "kid": key.kid, "typ": "vc+jwt"}
    payload = json.dumps(claims).encode()
    return jws.serialize_compact(header, payload, key.private_key, algorithms=["ES256"])


def issued_claims(app: Flask, award_id: str, base: str = BASE) -> dict[str, Any]:
    """What the issuer signs for ``award_id`` with ``base`` as the base URL."""
    configured = app.config.get("BASE_URL")
    app.config["BASE_URL"] = base
    try:
        with app.test_request_context(base_url=base):  # the host, had it been taken from there
            award = get_award(db.session, award_id)
            assert award is not None
            claims = v3.badge_credential(award, issuer_info(), Urls())
            db.session.remove()
    finally:
        app.config["BASE_URL"] = configured
    claims |= {"iss": claims["issuer"]["id"], "jti": claims["id"]}
    return claims


def logged_in_via(client: FlaskClient, host: str) -> FlaskClient:
    """The client's cookies also sent to ``host``: the attacker's own session, its Host forged
    (the test client matches cookies against the Host header, as a browser would)."""
    for cookie in list((client._cookies or {}).values()):
        client.set_cookie(cookie.key, cookie.value, domain=host)
    return client


def post_verify(client: FlaskClient, token: str, **kwargs: Any) -> Any:
    return client.post("/ob/v3/verify", data=token, content_type="text/plain", **kwargs)


# --------------------------------------------------------------- the Host-header credential


def test_a_forged_host_is_refused_for_the_download_and_for_verification(
    app: Flask, award_id: str, earner: User, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in_via(logged_in(earner), EVIL)
    forged = {"Host": EVIL}
    download = client.get(f"/badges/awards/{award_id}/credential.jwt", headers=forged)
    assert download.status_code == 400
    assert client.get(f"/badges/awards/{award_id}/baked.png", headers=forged).status_code == 400
    assert client.get(f"/ob/v2/assertions/{award_id}", headers=forged).status_code == 400
    # Refused too: a credential naming evil.example, verified through evil.example.
    evil = sign_claims(app, issued_claims(app, award_id, base=f"http://{EVIL}"))
    assert post_verify(app.test_client(), evil, headers=forged).status_code == 400
    # The real host still works.
    assert client.get(f"/badges/awards/{award_id}/credential.jwt").status_code == 200


@pytest.mark.parametrize("app_config", [{"TRUSTED_HOSTS": "*"}], indirect=True)
def test_with_any_host_accepted_credentials_still_name_only_the_base_url(
    app: Flask, award_id: str, earner: User, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in_via(logged_in(earner), EVIL)
    forged = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Prefix": "/evil"}
    download = client.get(f"/badges/awards/{award_id}/credential.jwt", headers=forged)
    assert download.status_code == 200
    token = download.get_data(as_text=True)
    claims = unb64(token.split(".")[1])
    assert claims["issuer"]["id"] == claims["iss"] == f"{BASE}/ob/v3/issuer"
    assert claims["credentialStatus"]["id"].startswith(f"{BASE}/ob/v3/revocations#")
    found = urls_in(claims)
    assert len(found) >= 8
    assert all(url.startswith(f"{BASE}/") for url in found), found
    # The OB 2.0 documents too: the baked assertion and the hosted ones.
    baked = json.loads(unbake(client.get(f"/badges/awards/{award_id}/baked.png", headers=forged)
                              .data))
    hosted = [
        client.get(path, headers=forged).get_json(force=True)
        for path in (f"/ob/v2/assertions/{award_id}", "/ob/v2/issuer", "/ob/v2/revocations",
                     "/ob/v2/badges/prompt-pro", "/ob/v3/issuer", "/ob/v3/achievements/prompt-pro",
                     "/ob/v3/revocations")
    ]
    for document in [baked, *hosted]:
        assert all(url.startswith(f"{BASE}/") for url in urls_in(document)), document
    page = client.get(f"/badges/awards/{award_id}", headers=forged).get_data(as_text=True)
    assert EVIL not in page
    # The genuine credential verifies whichever host is asked; the forged one nowhere.
    assert post_verify(client, token, headers=forged).get_json()["valid"] is True
    evil = sign_claims(app, issued_claims(app, award_id, base=f"http://{EVIL}"))
    answer = post_verify(app.test_client(), evil, headers={"Host": EVIL}).get_json()
    assert answer["valid"] is False and "not issued by this issuer" in answer["reason"]


@pytest.mark.parametrize(
    "app_config", [{"BASE_URL": None}, {"BASE_URL": None, "TRUSTED_HOSTS": "*"}], indirect=True
)
def test_without_a_base_url_nothing_is_issued_or_verified(
    app: Flask, award_id: str, earner: User, logged_in: Callable[[User], FlaskClient],
    tmp_path: Path,
) -> None:
    client = logged_in_via(logged_in(earner), EVIL)
    forged = {"Host": EVIL}
    for url in (f"/badges/awards/{award_id}/credential.jwt", f"/badges/awards/{award_id}/baked.png",
                f"/ob/v2/assertions/{award_id}", "/ob/v3/issuer"):
        response = client.get(url, headers=forged)
        assert response.status_code == 503, url
        assert "LMS_BASE_URL" in response.get_data(as_text=True)
        assert EVIL not in response.get_data(as_text=True)
    evil = sign_claims(app, issued_claims(app, award_id, base=f"http://{EVIL}"))
    answer = post_verify(app.test_client(), evil, headers=forged)
    assert answer.status_code == 503
    assert answer.get_json()["valid"] is False and "LMS_BASE_URL" in answer.get_json()["reason"]
    # The CLI says so in one line, without a traceback.
    path = tmp_path / "evil.jwt"
    path.write_text(evil)
    result = cli_verify(app, path)
    assert result.exit_code == 1
    assert "LMS_BASE_URL is not set" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "app_config",
    [
        {"BASE_URL": None, "TRUSTED_HOSTS": "*"},
        {"BASE_URL": "https://learning.acme.test", "TRUSTED_HOSTS": "localhost,127.0.0.1"},
        {"BASE_URL": "http://127.0.0.1:5000", "TRUSTED_HOSTS": "localhost"},
    ],
    indirect=True,
)
def test_the_cli_accepts_what_the_web_issues_or_the_web_issues_nothing(
    app: Flask, award_id: str, earner: User, logged_in: Callable[[User], FlaskClient],
    tmp_path: Path,
) -> None:
    client = logged_in_via(logged_in(earner), "127.0.0.1")
    host = {"Host": "127.0.0.1:5000"}
    download = client.get(f"/badges/awards/{award_id}/credential.jwt", headers=host)
    if app.config.get("BASE_URL") is None:
        assert download.status_code == 503
        return
    assert download.status_code == 200
    path = tmp_path / "downloaded.jwt"
    path.write_bytes(download.data)
    result = cli_verify(app, path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["valid"] is True


# ----------------------------------------------------------------------- settings at startup


def test_the_trusted_hosts_default_to_the_base_urls_host_which_is_always_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LMS_BASE_URL", "LMS_TRUSTED_HOSTS", "LMS_PROXY_FIX"):
        monkeypatch.delenv(name, raising=False)
    settings = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    config = load_config(tmp_path, {**settings, "BASE_URL": "https://Learning.Acme.test:8443/"})
    assert config["BASE_URL"] == "https://Learning.Acme.test:8443"
    assert config["TRUSTED_HOSTS"] == ["learning.acme.test"]
    assert config["PROXY_FIX"] == 0
    monkeypatch.setenv("LMS_BASE_URL", "https://lms.acme.test")
    monkeypatch.setenv("LMS_TRUSTED_HOSTS", "lms.internal, .acme.test")
    monkeypatch.setenv("LMS_PROXY_FIX", "2")
    config = load_config(tmp_path, settings)
    assert config["TRUSTED_HOSTS"] == ["lms.acme.test", "lms.internal", ".acme.test"]
    assert config["PROXY_FIX"] == 2
    monkeypatch.setenv("LMS_TRUSTED_HOSTS", "*")
    assert load_config(tmp_path, settings)["TRUSTED_HOSTS"] is None
    monkeypatch.delenv("LMS_BASE_URL")
    monkeypatch.delenv("LMS_TRUSTED_HOSTS")
    config = load_config(tmp_path, settings)
    assert "BASE_URL" not in config and config["TRUSTED_HOSTS"] is None


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("BASE_URL", "lms.acme.test"),
        ("BASE_URL", "ftp://lms.acme.test"),
        ("BASE_URL", "https://"),
        ("BASE_URL", "https://lms.acme.test/?next=x"),
        ("PROXY_FIX", "yes"),
        ("PROXY_FIX", -1),
        ("TRUSTED_HOSTS", 5),
    ],
)
def test_a_setting_that_cannot_work_stops_the_app_with_its_name(
    database_url: str, setting: str, value: Any
) -> None:
    with pytest.raises(ConfigError, match=f"LMS_{setting}"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", setting: value})


def test_the_demo_server_script_sets_a_base_url() -> None:
    script = (PROJECT_ROOT / "scripts" / "serve").read_text()
    assert "export LMS_BASE_URL=" in script and "LMS_TRUSTED_HOSTS" in script


# ---------------------------------------------------------------------------- proxy headers


def add_whoami(app: Flask) -> None:
    @public
    def whoami() -> dict[str, Any]:
        return {"addr": request.remote_addr, "host": request.host, "scheme": request.scheme}

    app.add_url_rule("/_whoami", "whoami", whoami)


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "localhost",
}


def test_proxy_headers_are_ignored_unless_configured(app: Flask) -> None:
    add_whoami(app)
    seen = app.test_client().get("/_whoami", headers=FORWARDED).get_json()
    assert seen == {"addr": "127.0.0.1", "host": "localhost", "scheme": "http"}
    evil = app.test_client().get("/_whoami", headers={"X-Forwarded-Host": EVIL}).get_json()
    assert evil["host"] == "localhost"


@pytest.mark.parametrize("app_config", [{"PROXY_FIX": 1}], indirect=True)
def test_with_a_proxy_configured_its_headers_are_believed_and_the_host_still_checked(
    app: Flask,
) -> None:
    add_whoami(app)
    seen = app.test_client().get("/_whoami", headers=FORWARDED).get_json()
    assert seen == {"addr": "203.0.113.9", "host": "localhost", "scheme": "https"}
    forged = app.test_client().get("/_whoami", headers={"X-Forwarded-Host": EVIL})
    assert forged.status_code == 400


# ------------------------------------------------------------------------- /ob/v3/verify


def test_a_deeply_nested_jose_header_is_invalid_not_an_error(app: Flask) -> None:
    nested = b"[" * 20_000 + b"]" * 20_000
    for header in (nested, b'{"alg": ' + nested + b"}"):
        token = f"{b64(header)}.e30.c2ln"
        response = post_verify(app.test_client(), token)
        assert response.status_code == 200, response.status_code
        assert response.get_json()["valid"] is False


def test_deeply_nested_json_bodies_are_refused_in_plain_words(app: Flask) -> None:
    body = '{"credential": ' + "[" * 20_000 + "]" * 20_000 + "}"
    response = app.test_client().post(
        "/ob/v3/verify", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json() == {"valid": False, "reason": "The body is not valid JSON."}


@pytest.mark.parametrize(
    "changes",
    [
        {"nbf": 10**20},
        {"nbf": -(10**20)},
        {"exp": 10**20},
        {"exp": 1e308},
        {"exp": math.inf},
        {"nbf": math.nan},
        {"nbf": True},
        {"validFrom": "9999-12-31T23:59:59-01:00"},
        {"validUntil": "0001-01-01T00:00:00+01:00"},
    ],
    ids=repr,
)
def test_out_of_range_dates_are_invalid_not_an_error(
    app: Flask, award_id: str, changes: dict[str, Any]
) -> None:
    token = sign_claims(app, issued_claims(app, award_id) | changes)
    response = post_verify(app.test_client(), token)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["valid"] is False and answer["reason"], answer


def test_a_genuine_credential_still_passes(app: Flask, award_id: str) -> None:
    token = sign_claims(app, issued_claims(app, award_id) | {"nbf": 0})
    assert post_verify(app.test_client(), token).get_json()["valid"] is True


def test_the_get_form_is_gone_and_says_how_to_send_a_credential(app: Flask, award_id: str) -> None:
    token = sign_claims(app, issued_claims(app, award_id))
    response = app.test_client().get("/ob/v3/verify", query_string={"credential": token})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.get_json()["valid"] is False and "POST" in response.get_json()["reason"]
    docs = (PROJECT_ROOT / "docs" / "open-badges.md").read_text()
    assert "GET /ob/v3/verify" not in docs


@pytest.fixture
def live_server(app: Flask) -> Iterator[int]:
    """The app behind werkzeug's threaded server, which reads chunked bodies as gunicorn does."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="verify-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def post_chunked(port: int, body: bytes, content_type: str = "text/plain") -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        chunks = (body[start : start + 8192] for start in range(0, len(body), 8192))
        connection.request(
            "POST", "/ob/v3/verify", body=chunks, encode_chunked=True,
            headers={"Content-Type": content_type, "Transfer-Encoding": "chunked",
                     "Host": "localhost"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_past_the_limit_is_refused(
    app: Flask, award_id: str, live_server: int
) -> None:
    status, answer = post_chunked(live_server, b"x" * (64 * 1024 + 1))
    assert status == 413 and answer == {"valid": False, "reason": "The credential is too large."}
    status, answer = post_chunked(live_server, b"x" * (2 * 1024 * 1024))
    assert status == 413
    # Chunked is fine within the limit: raw, as a form field and as JSON.
    token = sign_claims(app, issued_claims(app, award_id))
    assert post_chunked(live_server, token.encode())[1]["valid"] is True
    form = b"credential=" + token.encode()
    assert post_chunked(live_server, form, "application/x-www-form-urlencoded")[1]["valid"]
    document = json.dumps({"credential": token}).encode()
    assert post_chunked(live_server, document, "application/json")[1]["valid"] is True


def test_bodies_at_and_past_the_limit_with_a_length(app: Flask) -> None:
    client = app.test_client()
    at_limit = post_verify(client, "x" * (64 * 1024))
    assert at_limit.status_code == 200 and at_limit.get_json()["valid"] is False
    past = post_verify(client, "x" * (64 * 1024 + 1))
    assert past.status_code == 413 and past.get_json()["valid"] is False


HOSTILE_TOKENS = [
    "\x00.\x00.\x00",
    "é.é.é",
    f"{b64(b'{}')}.{b64(b'{}')}.{'é' * 10}",
    f"{b64(json.dumps({'alg': 'ES256', 'kid': ['x']}).encode())}.e30.c2ln",
    f"{b64(json.dumps({'alg': 'ES256', 'kid': {'a': 1}}).encode())}.e30.c2ln",
    f"{b64(json.dumps({'alg': ['ES256']}).encode())}.e30.c2ln",
    f"{b64(json.dumps({'alg': 'A' * 40_000}).encode())}.e30.c2ln",
    f"{b64(b'1' * 5000)}.e30.c2ln",
    f"{b64(b'NaN')}.e30.c2ln",
    "." * 40_000,
]


@pytest.mark.parametrize("token", HOSTILE_TOKENS, ids=range(len(HOSTILE_TOKENS)))
def test_hostile_tokens_are_invalid_never_an_error(app: Flask, token: str) -> None:
    response = post_verify(app.test_client(), token)
    assert response.status_code in {200, 400}
    assert response.get_json()["valid"] is False


def test_hostile_tokens_with_the_issuers_kid_are_invalid_never_an_error(app: Flask) -> None:
    with app.app_context():
        kid = keys.signing_key().kid
    extras: list[dict[str, Any]] = [
        {"crit": ["x"]}, {"crit": 1}, {"crit": None}, {"crit": [["b64"]]}, {"b64": False},
        {"jwk": [[[]]]}, {"kid": kid, "zip": "DEF"},
    ]
    for extra in extras:
        header = {"alg": "ES256", "kid": kid, **extra}
        for signature in ("", "c2ln", "é", "=" * 7, "A" * 86):
            token = f"{b64(json.dumps(header).encode())}.e30.{signature}"
            response = post_verify(app.test_client(), token)
            assert response.status_code in {200, 400}, (extra, signature)
            assert response.get_json()["valid"] is False
