"""ai-literacy-lms: role-specific AI literacy training with honest measurement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from lms.config import PROJECT_ROOT, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory. ``config`` overrides defaults and ``LMS_*`` environment variables."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(instance_path, config))

    from lms import hosting

    hosting.init_app(app)  # proxy headers, only when LMS_PROXY_FIX says so

    from lms import database, inputs, navigation, security
    from lms.auth import ratelimit_store  # noqa: F401  (registers the database:// throttling store)
    from lms.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    database.configure_engine_events(app)
    from lms.search.schema import not_modelled

    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=not_modelled,  # the full-text index is raw DDL (lms/search/schema.py)
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    inputs.init_app(app)  # the int converter (before any route) and the control character check
    security.init_app(app)
    navigation.init_app(app)

    from lms import models  # noqa: F401  (register every table on the metadata)
    from lms.activity.views import bp as activity_bp
    from lms.admin.views import bp as admin_bp
    from lms.adoption.views import bp as adoption_bp
    from lms.assessment.views import bp as assessment_bp
    from lms.assignments.views import bp as assignments_bp
    from lms.auth.views import bp as auth_bp
    from lms.authoring.views import bp as authoring_bp
    from lms.champions.views import bp as champions_bp
    from lms.learn.views import bp as learn_bp
    from lms.main.views import bp as main_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.officehours.views import bp as officehours_bp
    from lms.openbadges.views import bp as openbadges_bp
    from lms.org.views import bp as org_bp
    from lms.pulse.views import bp as pulse_bp
    from lms.recognition.admin_views import bp as badges_admin_bp
    from lms.recognition.views import bp as recognition_bp
    from lms.search.views import bp as search_bp
    from lms.team.views import bp as team_bp
    from lms.tools.views import bp as tools_bp
    from lms.usecases.views import bp as usecases_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(activity_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(pulse_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(badges_admin_bp)
    app.register_blueprint(recognition_bp)
    app.register_blueprint(openbadges_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(tools_bp)
    app.register_blueprint(assessment_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(adoption_bp)
    app.register_blueprint(officehours_bp)
    app.register_blueprint(usecases_bp)
    app.register_blueprint(champions_bp)

    from lms.recognition.service import init_app as init_badges

    init_badges(app)  # award badges when learning progresses

    from lms.search import wiring as search_wiring
    from lms.tools import wiring as tools_wiring

    tools_wiring.connect()  # fill in organisation placeholders when a course is published
    search_wiring.connect()  # keep the search index in step with published content

    from lms.cli import register_cli

    register_cli(app)
    return app
