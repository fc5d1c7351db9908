"""Recognition pages: the wall, privacy settings, kudos, profiles, award pages and certificates.

GETs only read. The printable certificate and its verification page are public (anyone holding
the link or scanning the QR code); everything else needs a login. Objects the viewer may not see
answer 404 through ``not_found_for``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.downloads import attachment
from lms.extensions import db
from lms.inputs import db_int, query_int
from lms.navigation import viewer_is_manager
from lms.openbadges import service as ob
from lms.openbadges.issuer import issuer_info
from lms.openbadges.urls import Urls
from lms.openbadges.v2 import describe_evidence
from lms.people.models import User, utcnow
from lms.recognition import certificates as certificate_service
from lms.recognition import kudos as kudos_service
from lms.recognition import wall as wall_service
from lms.recognition.kudos_models import KUDOS_MAX_LENGTH
from lms.recognition.models import BadgeAward
from lms.security import log_denial, not_found_for, public
from lms.team.back import back_token, back_url

bp = Blueprint("recognition", __name__)

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


class SettingsForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    show_on_wall = BooleanField("Show my badges, completed courses and kudos on the wall")
    show_on_profile = BooleanField("Let colleagues see my badges and certificates on my profile")
    submit = SubmitField("Save")


class KudosForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    recipient = SelectField("To", coerce=db_int, validate_choice=False)
    message = TextAreaField(
        "Message",
        validators=[DataRequired(), Length(max=KUDOS_MAX_LENGTH)],
        description=f"Up to {KUDOS_MAX_LENGTH} characters.",
        render_kw={"maxlength": KUDOS_MAX_LENGTH, "rows": 3},
    )
    back = HiddenField()  # the team page to return to (lms.team.back), if any
    submit = SubmitField("Send kudos")


def share_url(award: BadgeAward) -> str:
    """LinkedIn's add-to-profile link for the award (a plain link: nothing is sent anywhere)."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": award.badge.name,
        "organizationName": issuer_info().name,
        "issueYear": award.awarded_at.year,
        "issueMonth": award.awarded_at.month,
        "certUrl": Urls().verification_page(award.public_id),
        "certId": award.public_id,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(query)}"


# ---------------------------------------------------------------------------------- the wall


@bp.get("/recognition")
def wall() -> str:
    result = wall_service.wall_page(db.session, query_int("page", 1))
    return render_template(
        "recognition/wall.html",
        result=result,
        settings=wall_service.settings_for(db.session, current_user.id),
        manager=viewer_is_manager(),
    )


@bp.route("/recognition/settings", methods=["GET", "POST"])
def settings() -> Any:
    current = wall_service.settings_for(db.session, current_user.id)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            wall_service.save_settings(
                db.session,
                current_user.id,
                show_on_wall=bool(form.show_on_wall.data),
                show_on_profile=bool(form.show_on_profile.data),
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash("Your settings changed in another window. Please try again.", "error")
            return redirect(url_for("recognition.settings"))
        flash("Your recognition settings are saved.", "success")
        return redirect(url_for("recognition.settings"))
    return render_template("recognition/settings.html", form=form)


@bp.route("/recognition/kudos", methods=["GET", "POST"])
def kudos() -> Any:
    """Kudos to someone in one's subtree; ``?to=`` chooses them (404 outside the subtree) and
    ``?back=`` names the team page to return to after sending."""
    if not viewer_is_manager():
        log_denial("kudos without reports")
        abort(403)
    people = kudos_service.recipients(db.session, current_user.id)
    form = KudosForm()
    form.recipient.choices = [
        SelectChoice(person.id, f"{person.name} ({person.email})") for person in people
    ]
    chosen = _chosen_recipient(form, people) if request.method == "GET" else None
    if form.validate_on_submit():
        recipient_id = int(form.recipient.data)
        try:
            sent = kudos_service.send_kudos(
                db.session,
                current_user,
                recipient_id,
                form.message.data or "",
                url_for("recognition.profile", user_id=recipient_id, _anchor="kudos"),
            )
        except kudos_service.NotInSubtree:
            db.session.rollback()
            not_found_for(f"kudos to user {recipient_id} outside the subtree")
        except kudos_service.KudosError as error:
            db.session.rollback()
            form.message.errors = [str(error)]
        else:
            name = sent.recipient.name
            db.session.commit()
            flash(f"Kudos sent to {name}.", "success")
            back = back_token(form.back.data)
            return redirect(back_url(back, recipient_id) if back else url_for("recognition.kudos"))
    return render_template(
        "recognition/kudos.html",
        form=form,
        has_people=bool(people),
        visibility=kudos_service.visibility(
            wall_service.settings_for(db.session, chosen.id), chosen.name
        )
        if chosen
        else None,
    )


def _chosen_recipient(form: KudosForm, people: list[User]) -> User | None:
    """The person ``?to=`` names, chosen in the form (404 outside the subtree), and the page
    ``?back=`` names."""
    form.back.data = back_token(request.args.get("back")) or ""
    wanted = query_int("to", strict=True)
    if wanted is None:
        return None
    chosen = kudos_service.recipient_in_subtree(db.session, current_user.id, wanted)
    if chosen is None:
        not_found_for(f"kudos form for user {wanted} outside the subtree")
    if all(person.id != chosen.id for person in people):  # beyond the list's limit
        form.recipient.choices.append(SelectChoice(chosen.id, f"{chosen.name} ({chosen.email})"))
    form.recipient.data = chosen.id
    return chosen


# ---------------------------------------------------------------------------------- profiles


@bp.get("/recognition/me")
def my_profile() -> BaseResponse:
    return redirect(url_for("recognition.profile", user_id=current_user.id))


@bp.get("/people/<int:user_id>/profile")
def profile(user_id: int) -> str:
    found = wall_service.profile(db.session, current_user.id, user_id)
    if found is None:
        not_found_for(f"profile of user {user_id}")
    return render_template(
        "recognition/profile.html", profile=found, competencies=COMPETENCIES, levels=LEVELS
    )


# -------------------------------------------------------------------------------- award pages


def _visible_award(public_id: str) -> tuple[BadgeAward, bool]:
    award = ob.get_award(db.session, public_id)
    if award is None:
        not_found_for(f"award {public_id}")
    is_owner = award.user_id == current_user.id
    if not is_owner:
        settings = wall_service.settings_for(db.session, award.user_id)
        if award.revoked_at is not None or not settings.show_on_profile or not award.user.active:
            not_found_for(f"award {public_id} of another person")
    return award, is_owner


def _owned_active_award(public_id: str) -> BadgeAward:
    award = ob.get_award(db.session, public_id)
    if award is None or award.user_id != current_user.id:
        not_found_for(f"download of award {public_id}")
    if award.revoked_at is not None:
        not_found_for(f"download of revoked award {public_id}")
    return award


@bp.get("/badges/awards/<public_id>")
def award(public_id: str) -> str:
    found, is_owner = _visible_award(public_id)
    urls = Urls()
    return render_template(
        "recognition/award.html",
        award=found,
        is_owner=is_owner,
        evidence=describe_evidence(found.evidence or {}),
        verification_url=urls.verification_page(found.public_id),
        assertion_url=urls.assertion(found.public_id),
        share_url=share_url(found),
        issuer=issuer_info(),
    )


@bp.get("/badges/awards/<public_id>/baked.png")
def baked_badge(public_id: str) -> Response:
    found = _owned_active_award(public_id)
    response = Response(ob.baked_badge(found), mimetype="image/png")
    response.headers["Content-Disposition"] = attachment(
        f"{found.badge.slug}-{found.public_id[:8]}.png"
    )
    return response


@bp.get("/badges/awards/<public_id>/credential.jwt")
def award_credential(public_id: str) -> Response:
    found = _owned_active_award(public_id)
    response = Response(ob.award_credential(found, utcnow()), mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = attachment(
        f"{found.badge.slug}-{found.public_id[:8]}.jwt"
    )
    return response


# ------------------------------------------------------------------------------ certificates


@bp.get("/certificates/<public_id>")
@public
def certificate(public_id: str) -> str:
    """The printable certificate: public, so it can be shared, printed and checked."""
    found = ob.get_certificate(db.session, public_id) or abort(404)
    verification_url = Urls().certificate_verification(found.public_id)
    owner = current_user.is_authenticated and current_user.id == found.user_id
    return render_template(
        "recognition/certificate.html",
        certificate=found,
        verification_url=verification_url,
        qr_svg=certificate_service.qr_svg(verification_url),
        issuer=issuer_info(),
        competencies=COMPETENCIES,
        levels=LEVELS,
        is_owner=owner,
    )


@bp.get("/certificates/<public_id>/verify")
@public
def certificate_verification(public_id: str) -> str:
    found = ob.get_certificate(db.session, public_id) or abort(404)
    return render_template(
        "recognition/certificate_verify.html",
        certificate=found,
        issuer=issuer_info(),
        competencies=COMPETENCIES,
        levels=LEVELS,
    )


@bp.get("/certificates/<public_id>/credential.jwt")
def certificate_credential(public_id: str) -> Response:
    found = ob.get_certificate(db.session, public_id)
    if found is None or found.user_id != current_user.id:
        not_found_for(f"credential of certificate {public_id}")
    token = ob.certificate_credential(db.session, found, utcnow())
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = attachment(f"certificate-{found.public_id[:8]}.jwt")
    return response
