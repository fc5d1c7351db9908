"""Open Badges 3.0: OpenBadgeCredential as a VC-JWT, the JWKS, key rotation, and verification
through the public endpoint and the CLI. Tampered, wrong-key, ``alg: none``, expired and revoked
credentials fail; a valid one passes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jws
from joserfc.jwk import ECKey

from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.openbadges import keys, v3
from lms.openbadges.issuer import issuer_info
from lms.openbadges.service import get_award
from lms.openbadges.urls import Urls
from lms.people.models import User, utcnow
from tests.recognition_helpers import make_award, make_badge, revoke_award

BASE = "http://localhost"


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "instance" / "openbadges-keys.json"


@pytest.fixture
def app_config(key_path: Path) -> dict[str, Any]:
    return {"OPENBADGES_KEY_FILE": str(key_path), "BASE_URL": BASE}


@pytest.fixture
def earner(make_user: Callable[..., User]) -> User:
    return make_user(name="Vera Credential", email="vera@example.com")


@pytest.fixture
def award_id(app: Flask, earner: User) -> str:
    evidence = {"competency": "directing", "level": 2}
    return make_award(app, make_badge(app), earner, evidence=evidence)


@pytest.fixture
def credential(award_id: str, earner: User, logged_in: Callable[[User], FlaskClient]) -> str:
    client = logged_in(earner)
    response = client.get(f"/badges/awards/{award_id}/credential.jwt")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert "attachment" in response.headers["Content-Disposition"]
    return str(response.get_data(as_text=True))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def verify(app: Flask, token: str) -> dict[str, Any]:
    response = app.test_client().post(
        "/ob/v3/verify", data=token, content_type="application/vc+jwt"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    result: dict[str, Any] = response.get_json()
    return result


# ------------------------------------------------------------------------ the credential


def test_the_credential_is_an_open_badge_credential_with_every_required_field(
    credential: str, award_id: str, earner: User
) -> None:
    header_segment, payload_segment, signature = credential.split(".")
    header = unb64(header_segment)
    assert header["alg"] == "ES256" and header["typ"] == "vc+jwt" and header["kid"]
    assert signature
    vc = unb64(payload_segment)
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == f"urn:uuid:{award_id}"
    assert vc["issuer"]["id"] == f"{BASE}/ob/v3/issuer"
    assert "Profile" in vc["issuer"]["type"] and vc["issuer"]["name"]
    assert vc["validFrom"].endswith("Z")
    assert vc["iss"] == vc["issuer"]["id"] and vc["jti"] == vc["id"]
    assert isinstance(vc["nbf"], int) and isinstance(vc["iat"], int) and "exp" not in vc
    subject = vc["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    [identifier] = subject["identifier"]
    assert identifier["identityType"] == "emailAddress" and identifier["hashed"] is True
    expected = hashlib.sha256((earner.email + identifier["salt"]).encode()).hexdigest()
    assert identifier["identityHash"] == "sha256$" + expected
    assert earner.email not in json.dumps(vc)
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/ob/v3/achievements/prompt-pro"
    assert "Achievement" in achievement["type"]
    assert achievement["achievementType"] == "Badge"
    assert achievement["name"] == "Prompt Pro" and achievement["description"]
    assert achievement["criteria"]["narrative"] == "Complete Prompting basics."
    assert achievement["image"]["id"] == f"{BASE}/ob/v2/badges/prompt-pro/image.png"
    assert [a["targetCode"] for a in achievement["alignment"]] == ["directing:2", "evaluating:1"]
    for alignment in achievement["alignment"]:
        assert alignment["type"] == ["Alignment"]
        assert alignment["targetName"] and alignment["targetFramework"]
        assert alignment["targetUrl"].startswith(f"{BASE}/ob/framework#")
    assert vc["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert vc["credentialStatus"]["id"].startswith(f"{BASE}/ob/v3/revocations")
    assert vc["evidence"][0]["id"] == f"{BASE}/ob/awards/{award_id}"


def test_the_linked_documents_are_served_publicly(app: Flask, credential: str) -> None:
    anonymous = app.test_client()
    vc = unb64(credential.split(".")[1])
    for url in [
        vc["issuer"]["id"],
        vc["credentialSubject"]["achievement"]["id"],
        vc["credentialStatus"]["id"].split("#")[0],
        f"{BASE}/ob/v3/jwks.json",
    ]:
        response = anonymous.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        document = response.get_json(force=True)
        if "id" in document:
            assert document["id"] == url
    profile = anonymous.get("/ob/v3/issuer").get_json()
    assert profile["type"] == ["Profile"] and profile["@context"] == v3.CONTEXTS


def test_the_signature_verifies_with_the_published_jwks(app: Flask, credential: str) -> None:
    document = app.test_client().get("/ob/v3/jwks.json").get_json(force=True)
    [public] = document["keys"]
    assert public["kty"] == "EC" and public["crv"] == "P-256" and public["alg"] == "ES256"
    assert "d" not in public
    key = ECKey.import_key(public)
    assert jws.deserialize_compact(credential, key, algorithms=["ES256"]).payload


# --------------------------------------------------------------------------- verification


def test_a_valid_credential_passes(app: Flask, credential: str, award_id: str) -> None:
    result = verify(app, credential)
    assert result["valid"] is True, result
    assert result["id"] == f"urn:uuid:{award_id}"
    assert result["achievement_type"] == "Badge"
    assert result["checks"] == [
        "algorithm", "signature", "shape", "issuer", "validity period", "revocation"
    ]


def test_the_endpoint_accepts_form_and_json(app: Flask, credential: str) -> None:
    client = app.test_client()
    assert client.post("/ob/v3/verify", data={"credential": credential}).get_json()["valid"]
    assert client.post("/ob/v3/verify", json={"credential": credential}).get_json()["valid"]
    empty = client.post("/ob/v3/verify", data="")
    assert empty.status_code == 400 and empty.get_json()["valid"] is False


def test_a_tampered_payload_fails(app: Flask, credential: str) -> None:
    header, payload, signature = credential.split(".")
    claims = unb64(payload)
    claims["credentialSubject"]["achievement"]["name"] = "Chief AI Officer"
    tampered = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    result = verify(app, tampered)
    assert result["valid"] is False
    assert "signature" in result["reason"].lower()


def test_a_tampered_header_fails(app: Flask, credential: str) -> None:
    header, payload, signature = credential.split(".")
    changed = unb64(header) | {"typ": "JWT"}
    result = verify(app, f"{b64(json.dumps(changed).encode())}.{payload}.{signature}")
    assert result["valid"] is False


def forged(credential: str, key: ECKey, kid: str) -> str:
    payload = base64.urlsafe_b64decode(credential.split(".")[1] + "==")
    return jws.serialize_compact(
        {"alg": "ES256", "kid": kid, "typ": "vc+jwt"}, payload, key, algorithms=["ES256"]
    )


def test_the_wrong_key_fails_even_when_it_claims_the_issuers_kid(
    app: Flask, credential: str
) -> None:
    kid = unb64(credential.split(".")[0])["kid"]
    attacker = ECKey.generate_key("P-256")
    result = verify(app, forged(credential, attacker, kid))
    assert result["valid"] is False and "signature" in result["reason"].lower()
    result = verify(app, forged(credential, attacker, attacker.thumbprint()))
    assert result["valid"] is False and "kid" in result["reason"]


def test_alg_none_fails(app: Flask, credential: str) -> None:
    _header, payload, _signature = credential.split(".")
    for header in [{"alg": "none"}, {"alg": "none", "kid": unb64(_header)["kid"]}]:
        unsigned = f"{b64(json.dumps(header).encode())}.{payload}."
        result = verify(app, unsigned)
        assert result["valid"] is False
        assert "'none'" in result["reason"]


def test_hmac_with_the_public_key_as_secret_fails(app: Flask, credential: str) -> None:
    """The classic algorithm-confusion attack: HS256 keyed with the published public key."""
    public = app.test_client().get("/ob/v3/jwks.json").get_json(force=True)["keys"][0]
    header = b64(json.dumps({"alg": "HS256", "kid": public["kid"]}).encode())
    payload = credential.split(".")[1]
    secret = json.dumps(public).encode()
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    result = verify(app, f"{header}.{payload}.{b64(mac)}")
    assert result["valid"] is False and "HS256" in result["reason"]


def signed_with_issuer_key(app: Flask, award_id: str, **changes: Any) -> str:
    """A credential for ``award_id`` really signed by the issuer, with ``changes`` applied."""
    with app.test_request_context(base_url=BASE):
        award = get_award(db.session, award_id)
        assert award is not None
        credential = v3.badge_credential(award, issuer_info(), Urls())
        credential.update(changes)
        token = v3.sign(credential, keys.signing_key(), utcnow())
        db.session.remove()
    return token


def test_an_expired_credential_fails(app: Flask, award_id: str) -> None:
    past = (utcnow() - timedelta(days=1)).replace(microsecond=0).isoformat() + "Z"
    result = verify(app, signed_with_issuer_key(app, award_id, validUntil=past))
    assert result["valid"] is False and "expired" in result["reason"]
    future = (utcnow() + timedelta(days=30)).replace(microsecond=0).isoformat() + "Z"
    result = verify(app, signed_with_issuer_key(app, award_id, validUntil=future))
    assert result["valid"] is True, result


def test_a_credential_not_valid_yet_fails(app: Flask, award_id: str) -> None:
    soon = (utcnow() + timedelta(days=2)).replace(microsecond=0).isoformat() + "Z"
    result = verify(app, signed_with_issuer_key(app, award_id, validFrom=soon))
    assert result["valid"] is False and "not valid yet" in result["reason"]


def test_another_issuer_id_fails(app: Flask, award_id: str) -> None:
    other = {"id": "https://evil.example/issuer", "type": ["Profile"], "name": "Evil"}
    result = verify(app, signed_with_issuer_key(app, award_id, issuer=other))
    assert result["valid"] is False and "issuer" in result["reason"]


def test_an_unknown_credential_id_fails(app: Flask, award_id: str) -> None:
    unknown = "urn:uuid:00000000-0000-0000-0000-000000000000"
    token = signed_with_issuer_key(app, award_id, id=unknown)
    result = verify(app, token)
    assert result["valid"] is False and "no record" in result["reason"]


def test_a_revoked_credential_fails_and_is_listed(
    app: Flask, credential: str, award_id: str
) -> None:
    revoke_award(app, award_id, "Exam irregularity")
    result = verify(app, credential)
    assert result["valid"] is False
    assert result["revoked"] is True and result["revocation_reason"] == "Exam irregularity"
    listed = app.test_client().get("/ob/v3/revocations").get_json(force=True)
    assert listed["revokedCredentials"] == [
        {"id": f"urn:uuid:{award_id}", "revocationReason": "Exam irregularity"}
    ]


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b", "a.b.c", "!!!.###.$$$", "e30.e30.", "W10.e30.xx", "x" * 70_000],
)
def test_garbage_is_refused_without_errors(app: Flask, garbage: str) -> None:
    response = app.test_client().post("/ob/v3/verify", data=garbage, content_type="text/plain")
    assert response.status_code in {200, 400, 413}
    assert response.get_json()["valid"] is False


# ---------------------------------------------------------------------------------- keys


def test_the_key_file_is_created_once_with_mode_0600_outside_the_repository(
    app: Flask, credential: str, key_path: Path
) -> None:
    assert key_path.exists()
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    assert PROJECT_ROOT not in key_path.parents
    with app.app_context():
        first = keys.load_keys()
        assert keys.load_keys() == first
    assert len(first) == 1 and "d" in first[0].jwk


def published_kids(app: Flask) -> list[str]:
    document = app.test_client().get("/ob/v3/jwks.json").get_json(force=True)
    return [key["kid"] for key in document["keys"]]


def test_rotation_keeps_old_credentials_valid_and_signs_new_ones_with_the_new_key(
    app: Flask,
    credential: str,
    award_id: str,
    client: FlaskClient,
    key_path: Path,
) -> None:
    old_kid = unb64(credential.split(".")[0])["kid"]
    result = app.test_cli_runner().invoke(args=["lms", "badges", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert f"Retired (still published, old credentials verify): {old_kid}" in result.output
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    kids = published_kids(app)
    assert len(kids) == 2 and kids[0] == old_kid

    fresh = client.get(f"/badges/awards/{award_id}/credential.jwt").get_data(as_text=True)
    new_kid = unb64(fresh.split(".")[0])["kid"]
    assert new_kid == kids[1] != old_kid
    assert verify(app, credential)["valid"] is True
    assert verify(app, fresh)["valid"] is True

    listing = app.test_cli_runner().invoke(args=["lms", "badges", "keys"])
    assert f"{new_kid}" in listing.output and "signer" in listing.output

    removed = app.test_cli_runner().invoke(
        args=["lms", "badges", "rotate-key", "--remove-retired"]
    )
    assert removed.exit_code == 0 and f"Removed from the JWKS: {old_kid}" in removed.output
    kids = published_kids(app)
    assert old_kid not in kids and new_kid not in kids and len(kids) == 1
    result_old = verify(app, credential)
    assert result_old["valid"] is False and "kid" in result_old["reason"]


# ----------------------------------------------------------------------------------- CLI


def test_cli_verify_passes_a_valid_credential_and_fails_a_revoked_one(
    app: Flask, credential: str, award_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "badge.jwt"
    path.write_text(credential)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "badges", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["valid"] is True

    from_stdin = runner.invoke(args=["lms", "badges", "verify", "-"], input=credential)
    assert from_stdin.exit_code == 0

    revoke_award(app, award_id)
    result = runner.invoke(args=["lms", "badges", "verify", str(path)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["revoked"] is True


def test_cli_verify_fails_tampered_and_alg_none(
    app: Flask, credential: str, tmp_path: Path
) -> None:
    header, payload, signature = credential.split(".")
    claims = unb64(payload) | {"name": "Something else"}
    cases = {
        "tampered.jwt": f"{header}.{b64(json.dumps(claims).encode())}.{signature}",
        "none.jwt": f"{b64(json.dumps({'alg': 'none'}).encode())}.{payload}.",
    }
    for name, token in cases.items():
        path = tmp_path / name
        path.write_text(token)
        result = app.test_cli_runner().invoke(args=["lms", "badges", "verify", str(path)])
        assert result.exit_code == 1, name
        assert json.loads(result.stdout)["valid"] is False


def test_the_cli_and_the_endpoint_agree_on_ids(app: Flask) -> None:
    with app.app_context():
        assert Urls().profile_v3() == f"{BASE}/ob/v3/issuer"
