"""Public Open Badges endpoints (``/ob``): every view here is ``@public``, read-only and answers
anonymous verifiers. JSON documents allow any origin (they are public by design)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from lms.courses.models import Course, CourseVersion
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.extensions import csrf, db, limiter
from lms.inputs import reads_own_body
from lms.openbadges import keys, service, v2, v3
from lms.openbadges.issuer import FRAMEWORK, issuer_info
from lms.openbadges.urls import BaseUrlMissing, Urls
from lms.people.models import utcnow
from lms.security import public

bp = Blueprint("openbadges", __name__, url_prefix="/ob")

MAX_CREDENTIAL_BYTES = 64 * 1024


def json_document(
    document: dict[str, Any], status: int = 200, mimetype: str = v2.MEDIA_TYPE
) -> Response:
    body = json.dumps(document, indent=2, ensure_ascii=False)
    response = Response(body, status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


# ------------------------------------------------------------------------------------- 2.0


@bp.get("/v2/issuer")
@public
def issuer() -> Response:
    return json_document(v2.issuer_json(issuer_info(), Urls()))


@bp.get("/v2/badges/<slug>")
@public
def badge_class(slug: str) -> Response:
    badge = service.get_badge(db.session, slug) or abort(404)
    return json_document(v2.badge_class_json(badge, Urls()))


@bp.get("/v2/badges/<slug>/image.png")
@public
def badge_image(slug: str) -> Response:
    badge = service.get_badge(db.session, slug) or abort(404)
    response = Response(badge.image_png, mimetype="image/png")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/v2/assertions/<public_id>")
@public
def assertion(public_id: str) -> Response:
    """The hosted assertion. A revoked one answers 410 Gone with ``revoked: true``, as hosted
    verification expects."""
    award = service.get_award(db.session, public_id) or abort(404)
    document = v2.assertion_json(award, Urls())
    return json_document(document, status=410 if award.revoked_at is not None else 200)


@bp.get("/v2/revocations")
@public
def revocation_list() -> Response:
    return json_document(v2.revocation_list_json(service.revoked_awards(db.session), Urls()))


# ------------------------------------------------------------------------------ human pages


@bp.get("/awards/<public_id>")
@public
def award_verification(public_id: str) -> str:
    """Anyone holding the link can check an award: valid or revoked, what, to whom, when."""
    award = service.get_award(db.session, public_id) or abort(404)
    return render_template(
        "openbadges/verify_award.html",
        award=award,
        issuer=issuer_info(),
        urls=Urls(),
        evidence=v2.describe_evidence(award.evidence or {}),
    )


@bp.get("/badges/<slug>")
@public
def badge_page(slug: str) -> str:
    badge = service.get_badge(db.session, slug) or abort(404)
    return render_template(
        "openbadges/badge.html",
        badge=badge,
        issuer=issuer_info(),
        alignments=v2.alignments(badge.alignments or [], Urls()),
    )


@bp.get("/framework")
@public
def framework() -> str:
    return render_template(
        "openbadges/framework.html",
        framework=FRAMEWORK,
        competencies=COMPETENCIES,
        levels=LEVELS,
        issuer=issuer_info(),
    )


# ------------------------------------------------------------------------------------- 3.0


@bp.get("/v3/jwks.json")
@public
def jwks() -> Response:
    return json_document(keys.jwks(), mimetype="application/jwk-set+json")


@bp.get("/v3/issuer")
@public
def profile_v3() -> Response:
    return json_document(v3.profile_json(issuer_info(), Urls()), mimetype="application/json")


@bp.get("/v3/achievements/<slug>")
@public
def achievement(slug: str) -> Response:
    badge = service.get_badge(db.session, slug) or abort(404)
    document = {"@context": v3.CONTEXTS, **v3.achievement_json(badge, issuer_info(), Urls())}
    return json_document(document, mimetype="application/json")


@bp.get("/v3/courses/<slug>")
@public
def course_achievement(slug: str) -> Response:
    version = db.session.scalar(
        select(CourseVersion)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .where(Course.slug == slug)
    ) or abort(404)
    document = {
        "@context": v3.CONTEXTS,
        **v3.course_achievement_json(
            slug, version.title, version.summary, list(version.competencies), Urls(),
            issuer_info(),
        ),
    }
    return json_document(document, mimetype="application/json")


@bp.get("/v3/revocations")
@public
def revocations_v3() -> Response:
    urls = Urls()
    document = {
        "@context": v3.CONTEXTS,
        "id": urls.revocations_v3(),
        "type": v3.STATUS_TYPE,
        "issuer": urls.profile_v3(),
        "revokedCredentials": [
            {"id": v3.urn(public_id), "revocationReason": reason or "Revoked by the issuer."}
            for public_id, reason in service.revoked_awards(db.session)
        ],
    }
    return json_document(document, mimetype="application/json")


def _answer(reason: str, status: int) -> Response:
    return json_document({"valid": False, "reason": reason}, status, "application/json")


def _read_body() -> bytes | None:
    """The request body, or None when it is longer than MAX_CREDENTIAL_BYTES.

    The per-request limit applies to the stream itself, so a body without a Content-Length (sent
    chunked) is cut off after MAX_CREDENTIAL_BYTES + 1 bytes instead of being read whole up to
    the app-wide 16 MiB."""
    request.max_content_length = MAX_CREDENTIAL_BYTES + 1
    try:
        body = request.get_data(cache=True)  # form and JSON are then parsed from this copy
    except RequestEntityTooLarge:
        return None
    return body if len(body) <= MAX_CREDENTIAL_BYTES else None


def _submitted_credential(body: bytes) -> str | None:
    """The token from the body (raw, form field or JSON ``credential``); None for broken JSON."""
    if request.is_json:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return None
        value = document.get("credential") if isinstance(document, dict) else None
        return value if isinstance(value, str) else ""
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return request.form.get("credential", "")  # a form without it sent no credential
    return body.decode("utf-8", errors="replace")


@bp.route("/v3/verify", methods=["GET", "POST"])
@public
@reads_own_body  # its 64 KiB limit applies to the stream (lms.inputs)
@limiter.limit("120 per minute")
def verify() -> Response:
    """Verify a VC-JWT POSTed as the body (``application/vc+jwt`` or text), as a form field or
    JSON ``credential``. Answers ``{"valid": ..., "reason": ...}``, also for every refusal."""
    if request.method == "GET":
        # A credential is a few kilobytes: more than servers accept in a request line (414).
        response = _answer("Send the credential in the body of a POST request.", 405)
        response.headers["Allow"] = "POST"
        return response
    body = _read_body()
    if body is None:
        return _answer("The credential is too large.", 413)
    token = _submitted_credential(body)
    if token is None:
        return _answer("The body is not valid JSON.", 400)
    if not token.strip():
        return _answer("Send a credential (a VC-JWT) to verify.", 400)
    try:
        result = service.verify_credential(db.session, token.strip(), utcnow())
    except BaseUrlMissing as error:
        return _answer(str(error.description), error.code or 503)
    return json_document(result.as_dict(), mimetype="application/json")


# Verifiers post credentials from anywhere; the endpoint changes nothing, so it needs no CSRF token.
csrf.exempt(verify)
