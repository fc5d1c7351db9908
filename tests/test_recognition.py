"""Recognition: the opt-in wall, privacy settings, kudos within the org subtree, profiles, award
pages with their share link, and course certificates (issued on completion, printable, public)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import Notification
from lms.people.models import User, utcnow
from lms.recognition.kudos_models import Kudos
from lms.recognition.models import RecognitionSettings
from tests.conftest import csrf_token, row_count
from tests.learn_helpers import (
    complete_modules,
    enrol,
    publish_spec,
    sentinel_course,
    start_quiz,
    submit,
)
from tests.recognition_helpers import (
    certificate_for,
    complete_directly,
    make_award,
    make_badge,
    opt_in,
    revoke_award,
)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"OPENBADGES_KEY_FILE": str(tmp_path / "keys.json")}


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, "/recognition"), **(data or {})})


def wall_text(client: FlaskClient, page: int = 1) -> str:
    response = client.get(f"/recognition?page={page}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


# ------------------------------------------------------------------------------------ wall


def test_only_people_who_opted_in_appear_on_the_wall(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    badge = make_badge(app)
    sharer = make_user(name="Sam Sharer")
    private = make_user(name="Pat Private")
    profile_only = make_user(name="Olly ProfileOnly")
    for person in (sharer, private, profile_only):
        make_award(app, badge, person)
        complete_directly(app, person, "sentinel-course")
    opt_in(app, sharer, wall=True, profile=False)
    opt_in(app, profile_only, wall=False, profile=True)

    client = logged_in(make_user(name="Vic Viewer"))
    text = wall_text(client)
    assert text.count("Sam Sharer") == 2  # the badge and the completed course
    assert "Prompt Pro" in text and "Sentinel course" in text
    assert "Pat Private" not in text and "Olly ProfileOnly" not in text

    opt_in(app, sharer, wall=False, profile=False)
    assert "Sam Sharer" not in wall_text(client)


def test_revoked_awards_and_deactivated_people_leave_the_wall(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    badge = make_badge(app)
    revoked = make_user(name="Rita Revoked")
    gone = make_user(name="Gus Gone")
    award = make_award(app, badge, revoked)
    make_award(app, badge, gone)
    opt_in(app, revoked)
    opt_in(app, gone)
    client = logged_in(make_user())
    text = wall_text(client)
    assert "Rita Revoked" in text and "Gus Gone" in text
    revoke_award(app, award)
    with app.app_context():
        person = db.session.get(User, gone.id)
        assert person is not None
        person.active = False
        db.session.commit()
        db.session.remove()
    text = wall_text(client)
    assert "Rita Revoked" not in text and "Gus Gone" not in text


def test_the_wall_is_newest_first_and_paginated(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    now = utcnow()
    people = []
    for number in range(23):
        person = make_user(name=f"Earner {number:02d}")
        badge = make_badge(app, slug=f"badge-{number}", name=f"Badge {number:02d}")
        make_award(app, badge, person, awarded_at=now - timedelta(hours=number))
        opt_in(app, person, profile=False)
        people.append(person)
    client = logged_in(make_user())
    first = wall_text(client)
    names = re.findall(r"Earner (\d\d)", first)
    assert names == [f"{n:02d}" for n in range(20)]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = wall_text(client, 2)
    assert re.findall(r"Earner (\d\d)", second) == ["20", "21", "22"]
    assert 'rel="next"' not in second
    assert "Nothing to show yet" in wall_text(client, 3)
    assert client.get("/recognition?page=abc").status_code == 200
    assert client.get("/recognition?page=99999999999").status_code == 200


def test_the_wall_runs_the_same_number_of_statements_for_few_and_many_items(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    count_statements: Callable[[], Any],
    tmp_path: Path,
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    manager = make_user(name="Mia Manager")

    start = utcnow()

    def add(number: int) -> None:
        """Three items a second apart, so every page mixes badges, courses and kudos."""
        at = start - timedelta(minutes=number)
        person = make_user(name=f"Person {number}", manager=manager)
        badge = make_badge(app, slug=f"b{number}", name=f"B{number}")
        make_award(app, badge, person, awarded_at=at)
        complete_directly(app, person, "sentinel-course", at - timedelta(seconds=1))
        with app.app_context():
            db.session.add(
                Kudos(
                    sender_id=manager.id,
                    recipient_id=person.id,
                    message="Great",
                    created_at=at - timedelta(seconds=2),
                )
            )
            db.session.commit()
            db.session.remove()
        opt_in(app, person)

    add(0)
    client = logged_in(make_user())
    client.get("/recognition")
    with count_statements() as few:
        wall_text(client)
    for number in range(1, 12):
        add(number)
    with count_statements() as many:
        text = wall_text(client)
    assert text.count("wall-item") == 20
    assert {"wall-badge", "wall-course", "wall-kudos"} <= set(re.findall(r"wall-[a-z]+", text))
    assert many.count == few.count, (few.statements, many.statements)


# -------------------------------------------------------------------------------- settings


def test_settings_are_off_by_default_and_saved_per_person(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    person = make_user()
    client = logged_in(person)
    page = client.get("/recognition/settings").get_data(as_text=True)
    assert 'name="show_on_wall"' in page and "checked" not in page
    response = post(client, "/recognition/settings", {"show_on_wall": "y"})
    assert response.status_code == 302
    with app.app_context():
        settings = db.session.get(RecognitionSettings, person.id)
        assert settings is not None
        assert settings.show_on_wall is True and settings.show_on_profile is False
        db.session.remove()
    post(client, "/recognition/settings", {"show_on_profile": "y"})
    with app.app_context():
        settings = db.session.get(RecognitionSettings, person.id)
        assert settings is not None
        assert settings.show_on_wall is False and settings.show_on_profile is True
        db.session.remove()
    assert row_count(app, RecognitionSettings) == 1


def test_settings_need_the_csrf_token(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(make_user())
    assert client.post("/recognition/settings", data={"show_on_wall": "y"}).status_code == 400
    assert row_count(app, RecognitionSettings) == 0


# ----------------------------------------------------------------------------------- kudos


@pytest.fixture
def org(make_user: Callable[..., User]) -> dict[str, User]:
    boss = make_user(name="Bea Boss")
    lead = make_user(name="Lee Lead", manager=boss)
    report = make_user(name="Rae Report", manager=lead)
    outsider = make_user(name="Oz Outsider")
    return {"boss": boss, "lead": lead, "report": report, "outsider": outsider}


def test_a_manager_sends_kudos_to_someone_in_their_subtree_who_is_notified(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org["boss"])
    form = client.get("/recognition/kudos").get_data(as_text=True)
    assert "Lee Lead" in form and "Rae Report" in form and "Oz Outsider" not in form
    response = post(
        client, "/recognition/kudos", {"recipient": org["report"].id, "message": "Great demo!"}
    )
    assert response.status_code == 302
    with app.app_context():
        kudos = db.session.scalars(select(Kudos)).one()
        assert (kudos.sender_id, kudos.recipient_id, kudos.message) == (
            org["boss"].id,
            org["report"].id,
            "Great demo!",
        )
        note = db.session.scalars(select(Notification)).one()
        assert note.user_id == org["report"].id and note.kind == "kudos"
        assert "Bea Boss" in note.text and "Great demo!" in note.text
        assert note.url == f"/people/{org['report'].id}/profile#kudos"
        db.session.remove()


def test_kudos_outside_the_subtree_answer_404_and_change_nothing(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org["lead"])
    for target in (org["outsider"], org["boss"], org["lead"]):
        response = post(client, "/recognition/kudos", {"recipient": target.id, "message": "Hi"})
        assert response.status_code == 404, target.name
    response = post(client, "/recognition/kudos", {"recipient": 987654, "message": "Hi"})
    assert response.status_code == 404
    assert row_count(app, Kudos) == 0 and row_count(app, Notification) == 0


def test_people_without_reports_cannot_send_kudos(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org["report"])
    assert client.get("/recognition/kudos").status_code == 403
    response = post(client, "/recognition/kudos", {"recipient": org["outsider"].id, "message": "x"})
    assert response.status_code == 403
    assert row_count(app, Kudos) == 0


def test_kudos_are_at_most_280_characters_and_not_empty(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org["boss"])
    for message in ["x" * 281, "   "]:
        data = {"recipient": org["lead"].id, "message": message}
        response = post(client, "/recognition/kudos", data)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert row_count(app, Kudos) == 0
    data = {"recipient": org["lead"].id, "message": "y" * 280}
    response = post(client, "/recognition/kudos", data)
    assert response.status_code == 302
    assert row_count(app, Kudos) == 1


def test_kudos_appear_on_the_wall_only_if_the_recipient_opted_in(
    app: Flask,
    org: dict[str, User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(org["boss"])
    post(client, "/recognition/kudos", {"recipient": org["report"].id, "message": "Top work <b>!"})
    text = wall_text(client)
    assert "Top work" not in text
    opt_in(app, org["report"], wall=True, profile=False)
    text = wall_text(client)
    assert "Top work &lt;b&gt;!" in text and "Rae Report" in text and "from Bea Boss" in text


def test_kudos_to_someone_chosen_from_the_team_pages_is_preselected_and_comes_back(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org["boss"])
    report = org["report"]
    form = client.get(f"/recognition/kudos?to={report.id}&back=team").get_data(as_text=True)
    assert f'<option selected value="{report.id}">Rae Report' in form
    assert 'name="back" type="hidden" value="team"' in form
    assert "Rae Report keeps their recognition private: only they will see your kudos." in form
    data = {"recipient": report.id, "message": "Thanks for the review!", "back": "team"}
    response = post(client, "/recognition/kudos", data)
    assert response.status_code == 302 and response.headers["Location"] == "/team/"
    assert "Kudos sent to Rae Report." in client.get("/team/").get_data(as_text=True)
    response = post(client, "/recognition/kudos", {**data, "back": "person"})
    assert response.headers["Location"] == f"/team/people/{report.id}"
    # Without a known page to return to, back to the kudos form as before.
    response = post(client, "/recognition/kudos", {**data, "back": "//evil.example.com"})
    assert response.headers["Location"] == "/recognition/kudos"
    assert row_count(app, Kudos) == 3


def test_the_kudos_form_says_who_will_see_them_by_the_recipients_settings(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    opt_in(app, org["report"], wall=True, profile=False)
    opt_in(app, org["lead"], wall=True, profile=True)
    client = logged_in(org["boss"])
    text = client.get(f"/recognition/kudos?to={org['report'].id}").get_data(as_text=True)
    assert "your kudos will also appear on the recognition wall." in text
    text = client.get(f"/recognition/kudos?to={org['lead'].id}").get_data(as_text=True)
    assert "also appear on the recognition wall and their profile." in text
    assert 'id="kudos-visibility"' not in client.get("/recognition/kudos").get_data(as_text=True)


def test_kudos_preselected_outside_the_subtree_are_not_found(
    app: Flask,
    org: dict[str, User],
    logged_in: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
) -> None:
    gone = make_user(name="Gil Gone", manager=org["lead"], active=False)
    client = logged_in(org["lead"])
    for person in (org["outsider"].id, org["boss"].id, org["lead"].id, gone.id, 987654, 2**70):
        assert client.get(f"/recognition/kudos?to={person}").status_code == 404, person
    assert client.get("/recognition/kudos?to=someone").status_code == 200


def test_someone_beyond_the_recipient_list_can_still_be_chosen(
    app: Flask,
    org: dict[str, User],
    logged_in: Callable[[User], FlaskClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lms.recognition import kudos

    monkeypatch.setattr(kudos.recipients, "__defaults__", (1,))  # lists one person only
    client = logged_in(org["boss"])
    form = client.get(f"/recognition/kudos?to={org['report'].id}").get_data(as_text=True)
    assert "Lee Lead" in form  # the list: the first person by name
    assert f'<option selected value="{org["report"].id}">Rae Report' in form


# -------------------------------------------------------------------------------- profiles


def test_a_profile_is_visible_to_its_owner_always_and_to_others_only_when_opted_in(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    owner = make_user(name="Owen Owner")
    badge = make_badge(app)
    kept = make_award(app, badge, owner)
    revoked = make_award(app, make_badge(app, slug="old", name="Old Badge"), owner)
    revoke_award(app, revoked)
    complete_directly(app, owner, "sentinel-course")

    client = logged_in(owner)
    mine = client.get(f"/people/{owner.id}/profile").get_data(as_text=True)
    assert "Prompt Pro" in mine and "Old Badge" in mine and "Revoked" in mine
    assert "Sentinel course" in mine and "Only you can see this page" in mine
    assert client.get("/recognition/me").headers["Location"] == f"/people/{owner.id}/profile"

    other = app.test_client()
    assert (
        other.post(
            "/login",
            data={
                "email": make_user(is_admin=True).email,
                "password": "correct horse battery staple",
                "csrf_token": csrf_token(other, "/login"),
            },
        ).status_code
        == 302
    )
    assert other.get(f"/people/{owner.id}/profile").status_code == 404
    assert other.get(f"/badges/awards/{kept}").status_code == 404
    opt_in(app, owner, wall=False, profile=True)
    theirs = other.get(f"/people/{owner.id}/profile").get_data(as_text=True)
    assert "Prompt Pro" in theirs and "Sentinel course" in theirs
    assert "Old Badge" not in theirs
    award_page = other.get(f"/badges/awards/{kept}").get_data(as_text=True)
    assert "Prompt Pro" in award_page and "download-baked" not in award_page
    assert other.get(f"/badges/awards/{revoked}").status_code == 404
    assert other.get("/people/987654/profile").status_code == 404


def test_a_manager_sees_a_send_kudos_link_on_a_reports_profile(
    app: Flask, org: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    opt_in(app, org["report"], wall=False, profile=True)
    opt_in(app, org["outsider"], wall=False, profile=True)
    client = logged_in(org["boss"])
    page = client.get(f"/people/{org['report'].id}/profile").get_data(as_text=True)
    assert f"/recognition/kudos?to={org['report'].id}" in page
    page = client.get(f"/people/{org['outsider'].id}/profile").get_data(as_text=True)
    assert "/recognition/kudos?to=" not in page


# ------------------------------------------------------------------------------ award pages


def test_the_owner_sees_downloads_and_a_share_link_that_makes_no_call(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    owner = make_user(name="Sia Share")
    public_id = make_award(app, make_badge(app), owner)
    client = logged_in(owner)
    page = client.get(f"/badges/awards/{public_id}").get_data(as_text=True)
    assert f"/badges/awards/{public_id}/baked.png" in page
    assert f"/badges/awards/{public_id}/credential.jwt" in page
    assert f"http://localhost/ob/awards/{public_id}" in page
    share = re.search(r'href="([^"]+)"[^>]*id="share-linkedin"', page)
    assert share is not None
    url = urlsplit(share.group(1).replace("&amp;", "&"))
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    query = parse_qs(url.query)
    assert query["name"] == ["Prompt Pro"]
    assert query["certUrl"] == [f"http://localhost/ob/awards/{public_id}"]
    assert query["certId"] == [public_id]


# ----------------------------------------------------------------------------- certificates


def test_passing_a_course_issues_a_certificate_with_levels(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = sentinel_course()
    publish_spec(app, tmp_path, spec)
    learner = make_user(name="Lou Learner")
    client = logged_in(learner)
    enrol(client, spec.slug)
    complete_modules(client, app, spec)
    assert certificate_for(app, learner) == []
    assert submit(client, app, start_quiz(client, spec.slug)).status_code == 302
    [certificate] = certificate_for(app, learner)
    assert certificate.course_title == "Sentinel course"
    assert set(certificate.levels) == {"evaluating"} and certificate.levels["evaluating"] >= 1

    mine = client.get(f"/people/{learner.id}/profile").get_data(as_text=True)
    assert f"/certificates/{certificate.public_id}" in mine


def test_the_certificate_is_printable_public_and_verifiable_with_a_qr_code(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    learner = make_user(name="Cora Certified")
    public_id = complete_directly(app, learner, "sentinel-course")
    anonymous = app.test_client()
    page = anonymous.get(f"/certificates/{public_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Cora Certified" in text and "Sentinel course" in text
    assert "Certificate of completion" in text and "Evaluating outputs" in text
    assert 'href="/static/print.css" media="print"' in text
    verify_url = f"http://localhost/certificates/{public_id}/verify"
    assert verify_url in text
    assert re.search(r"<svg[^>]*class=\"segno\"", text) and " style=" not in text
    assert "download-certificate-credential" not in text
    with anonymous.get("/static/print.css") as stylesheet:
        assert stylesheet.status_code == 200

    verification = anonymous.get(f"/certificates/{public_id}/verify").get_data(as_text=True)
    assert "Valid certificate" in verification and "Cora Certified" in verification
    assert anonymous.get("/certificates/not-a-certificate").status_code == 404

    client = logged_in(learner)
    assert "download-certificate-credential" in client.get(f"/certificates/{public_id}").get_data(
        as_text=True
    )


def test_the_certificate_credential_verifies_as_a_certificate_achievement(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    learner = make_user()
    public_id = complete_directly(app, learner, "sentinel-course")
    other = make_user()
    client = logged_in(other)
    assert client.get(f"/certificates/{public_id}/credential.jwt").status_code == 404
    client = app.test_client()
    assert (
        client.post(
            "/login",
            data={
                "email": learner.email,
                "password": "correct horse battery staple",
                "csrf_token": csrf_token(client, "/login"),
            },
        ).status_code
        == 302
    )
    token = client.get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True)
    result = app.test_client().post("/ob/v3/verify", data={"credential": token}).get_json()
    assert result["valid"] is True, result
    assert result["achievement_type"] == "Certificate"
    achievement = app.test_client().get("/ob/v3/courses/sentinel-course").get_json(force=True)
    assert achievement["achievementType"] == "Certificate"


def test_the_certificates_command_issues_missing_ones_once(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    from lms.courses.models import Course
    from lms.learn.models import Enrolment

    publish_spec(app, tmp_path, sentinel_course())
    learner = make_user()
    with app.app_context():
        course = db.session.scalars(select(Course)).one()
        db.session.add(Enrolment(user_id=learner.id, course_id=course.id, completed_at=utcnow()))
        db.session.commit()
        db.session.remove()
    runner = app.test_cli_runner()
    command = ["lms", "badges", "certificates"]
    assert "Issued 1 certificate(s)." in runner.invoke(args=command).output
    assert "Issued 0 certificate(s)." in runner.invoke(args=command).output
    assert len(certificate_for(app, learner)) == 1
