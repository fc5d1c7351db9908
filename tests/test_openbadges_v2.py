"""Open Badges 2.0 hosted verification, checked on what the running app serves.

Every required field and type of the 2.0 specification (Assertion, IdentityObject,
VerificationObject, BadgeClass, Criteria, AlignmentObject, Issuer Profile, RevocationList) is
checked, and every URL in the documents is fetched through the test client: a verifier following
the links finds each document at its own ``id``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.openbadges.baking import unbake
from lms.people.models import User
from tests.recognition_helpers import make_award, make_badge, revoke_award, tiny_png

CONTEXT = "https://w3id.org/openbadges/v2"
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
JSON_TYPES = {"application/ld+json", "application/json"}


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"OPENBADGES_KEY_FILE": str(tmp_path / "keys.json"), "ISSUER_EMAIL": "badges@acme.test"}


def fetch(client: FlaskClient, url: str, status: int = 200) -> Any:
    """GET an absolute URL served by the app as a logged-out verifier; returns parsed JSON."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost", url
    anonymous = client.application.test_client()
    response = anonymous.get(parts.path)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype in JSON_TYPES, (url, response.mimetype)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.get_data(as_text=True))


def is_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in {"http", "https"} and bool(
        urlsplit(value).netloc
    )


def check_issuer(issuer: dict[str, Any], url: str) -> None:
    assert issuer["@context"] == CONTEXT
    assert issuer["type"] == "Issuer"
    assert issuer["id"] == url
    assert isinstance(issuer["name"], str) and issuer["name"]
    assert is_url(issuer["url"])
    assert issuer["email"] == "badges@acme.test"
    assert is_url(issuer["revocationList"])


def check_alignment(alignment: dict[str, Any]) -> None:
    assert isinstance(alignment["targetName"], str) and alignment["targetName"]
    assert is_url(alignment["targetUrl"])
    for key in ("targetDescription", "targetFramework", "targetCode"):
        assert isinstance(alignment[key], str) and alignment[key], key


def check_badge_class(badge: dict[str, Any], url: str) -> None:
    assert badge["@context"] == CONTEXT
    assert badge["type"] == "BadgeClass"
    assert badge["id"] == url
    assert isinstance(badge["name"], str) and badge["name"]
    assert isinstance(badge["description"], str) and badge["description"]
    assert is_url(badge["image"])
    criteria = badge["criteria"]
    assert is_url(criteria["id"]) and isinstance(criteria["narrative"], str)
    assert "<" not in criteria["narrative"]
    assert is_url(badge["issuer"])
    assert isinstance(badge["alignment"], list)
    for alignment in badge["alignment"]:
        check_alignment(alignment)


def check_assertion(assertion: dict[str, Any], url: str, email: str) -> None:
    assert assertion["@context"] == CONTEXT
    assert assertion["type"] == "Assertion"
    assert assertion["id"] == url
    recipient = assertion["recipient"]
    assert recipient["type"] == "email"
    assert recipient["hashed"] is True
    assert isinstance(recipient["salt"], str) and len(recipient["salt"]) >= 16
    expected = "sha256$" + hashlib.sha256((email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == expected
    assert email not in json.dumps(assertion)
    assert is_url(assertion["badge"])
    assert assertion["verification"] == {"type": "hosted"}
    assert ISO_8601.match(assertion["issuedOn"]), assertion["issuedOn"]
    assert is_url(assertion["image"])
    assert isinstance(assertion["evidence"], list) and assertion["evidence"]
    for evidence in assertion["evidence"]:
        assert is_url(evidence["id"]) and evidence["narrative"]


@pytest.fixture
def earner(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Earner", email="ada.earner@example.com")


@pytest.fixture
def award_id(app: Flask, earner: User) -> str:
    badge_id = make_badge(app)
    return make_award(app, badge_id, earner, evidence={"course": "prompting-basics"})


def test_assertion_badge_class_and_issuer_pass_every_field_check_and_link_to_each_other(
    app: Flask, client: FlaskClient, earner: User, award_id: str
) -> None:
    assertion_url = f"http://localhost/ob/v2/assertions/{award_id}"
    assertion = fetch(client, assertion_url)
    check_assertion(assertion, assertion_url, earner.email)
    assert "revoked" not in assertion

    badge = fetch(client, assertion["badge"])
    check_badge_class(badge, assertion["badge"])
    assert badge["name"] == "Prompt Pro"
    assert [a["targetCode"] for a in badge["alignment"]] == ["directing:2", "evaluating:1"]
    assert badge["alignment"][0]["targetFramework"] == "AI Literacy Competency Model"

    issuer = fetch(client, badge["issuer"])
    check_issuer(issuer, badge["issuer"])

    revocations = fetch(client, issuer["revocationList"])
    assert revocations["@context"] == CONTEXT
    assert revocations["type"] == "RevocationList"
    assert revocations["id"] == issuer["revocationList"]
    assert revocations["issuer"] == badge["issuer"]
    assert revocations["revokedAssertions"] == []


def test_every_url_in_the_documents_answers(
    app: Flask, client: FlaskClient, award_id: str
) -> None:
    assertion = fetch(client, f"http://localhost/ob/v2/assertions/{award_id}")
    badge = fetch(client, assertion["badge"])
    anonymous = app.test_client()
    image = anonymous.get(urlsplit(badge["image"]).path)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == tiny_png()
    assert anonymous.get(urlsplit(assertion["image"]).path).status_code == 200
    for url in [badge["criteria"]["id"], assertion["evidence"][0]["id"]]:
        page = anonymous.get(urlsplit(url).path)
        assert page.status_code == 200, url
        assert page.mimetype == "text/html"
    for alignment in badge["alignment"]:
        parts = urlsplit(alignment["targetUrl"])
        page = anonymous.get(parts.path)
        assert page.status_code == 200
        assert f'id="{parts.fragment.split(":")[0]}"' in page.get_data(as_text=True)


def test_a_revoked_assertion_answers_410_with_revoked_and_is_on_the_revocation_list(
    app: Flask, client: FlaskClient, earner: User, award_id: str
) -> None:
    revoke_award(app, award_id, "Awarded by mistake")
    url = f"http://localhost/ob/v2/assertions/{award_id}"
    assertion = fetch(client, url, status=410)
    check_assertion(assertion, url, earner.email)
    assert assertion["revoked"] is True
    assert assertion["revocationReason"] == "Awarded by mistake"
    revocations = fetch(client, "http://localhost/ob/v2/revocations")
    assert revocations["revokedAssertions"] == [
        {"id": url, "revocationReason": "Awarded by mistake"}
    ]


def test_content_types_are_json_ld(client: FlaskClient, award_id: str) -> None:
    for path in [f"/ob/v2/assertions/{award_id}", "/ob/v2/badges/prompt-pro", "/ob/v2/issuer"]:
        assert client.get(path).headers["Content-Type"].startswith("application/ld+json")


def test_unknown_ids_answer_404(client: FlaskClient) -> None:
    for path in [
        "/ob/v2/assertions/00000000-0000-0000-0000-000000000000",
        "/ob/v2/badges/no-such-badge",
        "/ob/v2/badges/no-such-badge/image.png",
        "/ob/awards/00000000-0000-0000-0000-000000000000",
        "/ob/awards/" + "x" * 300,
    ]:
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    "app_config",
    [{"BASE_URL": "https://learning.acme.test/"}],
    indirect=False,
)
def test_absolute_urls_come_from_base_url_when_configured(
    app: Flask, client: FlaskClient, award_id: str, app_config: dict[str, Any]
) -> None:
    assertion = client.get(f"/ob/v2/assertions/{award_id}").get_json()
    assert assertion["id"] == f"https://learning.acme.test/ob/v2/assertions/{award_id}"
    assert assertion["badge"] == "https://learning.acme.test/ob/v2/badges/prompt-pro"


# ------------------------------------------------------------------- human verification page


def test_the_verification_page_works_logged_out_and_says_valid_then_revoked(
    app: Flask, earner: User, award_id: str
) -> None:
    anonymous = app.test_client()
    page = anonymous.get(f"/ob/awards/{award_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Valid." in text and "Ada Earner" in text and "Prompt Pro" in text
    assert "Completed the course prompting-basics." in text
    assert earner.email not in text
    revoke_award(app, award_id, "Shared answers")
    text = anonymous.get(f"/ob/awards/{award_id}").get_data(as_text=True)
    assert "Revoked." in text and "Shared answers" in text and "Valid." not in text


# ------------------------------------------------------------------------------- baked PNG


def test_the_owner_downloads_a_baked_png_holding_the_hosted_assertion(
    app: Flask, earner: User, award_id: str, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(earner)
    response = client.get(f"/badges/awards/{award_id}/baked.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]
    embedded = json.loads(unbake(response.data))
    url = f"http://localhost/ob/v2/assertions/{award_id}"
    assert embedded["id"] == url
    check_assertion(embedded, url, earner.email)
    # What is baked is what is hosted.
    assert embedded == fetch(client, url)


def test_others_cannot_download_someone_elses_badge(
    app: Flask,
    award_id: str,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(make_user(is_admin=True))
    assert client.get(f"/badges/awards/{award_id}/baked.png").status_code == 404
    assert client.get(f"/badges/awards/{award_id}/credential.jwt").status_code == 404
    anonymous = app.test_client()
    response = anonymous.get(f"/badges/awards/{award_id}/baked.png")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_revoked_award_cannot_be_downloaded(
    app: Flask, earner: User, award_id: str, logged_in: Callable[[User], FlaskClient]
) -> None:
    revoke_award(app, award_id)
    client = logged_in(earner)
    assert client.get(f"/badges/awards/{award_id}/baked.png").status_code == 404
    page = client.get(f"/badges/awards/{award_id}").get_data(as_text=True)
    assert "Revoked on" in page and "download-baked" not in page
