"""Peer specialist training and certification: the application factory."""

import copy
import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    admin,
    assessments,
    assets,
    auth,
    certificates,
    cohorts,
    config,
    content,
    courses,
    dashboard,
    errors,
    formats,
    inputs,
    logs,
    maintenance,
    portfolio,
    privacy,
    publishing,
    security,
    trainers,
    urls,
    web,
)
from .audit import audit_cli
from .certificates.keys import ensure_key
from .config import StartupRefused
from .database import init_database, init_reads, secure_instance, startup_lock
from .extensions import csrf, db, limiter, login_manager, migrate
from .mail import mail_cli

logger = logging.getLogger(__name__)
MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True, instance_path=config.instance_path())
    app.config.from_mapping(copy.deepcopy(config.DEFAULTS))
    app.config.update(config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    secure_instance(app)  # before anything (the secret key, SQLite) is written into the instance folder
    # Session cookies are Secure unless running the debug server or the tests (browsers accept Secure
    # cookies from http://localhost and 127.0.0.1, so `flask run` still works); LMS_SECURE_COOKIES decides.
    secure = config.env_bool("LMS_SECURE_COOKIES", not (app.debug or app.testing))
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if name not in (test_config or {}):
            app.config[name] = secure
    # A session cookie is never accepted longer than the longest session; the remember-me cookie lasts
    # REMEMBER_DAYS (Flask-Login's default is a year). lms.auth enforces both on the server as well.
    if "PERMANENT_SESSION_LIFETIME" not in (test_config or {}):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
            hours=max(app.config["TRAINEE_SESSION_DAYS"] * 24, app.config["STAFF_SESSION_HOURS"])
        )
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_DAYS"]))
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A server database can drop idle connections; a local SQLite file cannot, so no ping there.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    try:
        if "SECRET_KEY" in (test_config or {}):
            config.check_secret_key(app.config["SECRET_KEY"])
        else:
            app.config["SECRET_KEY"] = config.secret_key(app.instance_path)
    except config.ConfigError as exc:
        raise StartupRefused(str(exc)) from None
    _public_url(app)

    proxies = app.config["PROXY_COUNT"]
    if proxies:
        # Behind a reverse proxy: take the client's address and scheme from its X-Forwarded-* headers,
        # so rate limits apply per client rather than to the proxy. Not X-Forwarded-Host, unless asked
        # for: a proxy that passes the client's own value on would let it choose the site's address.
        x_host = proxies if app.config.get("PROXY_TRUST_HOST") else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=x_host)
    _init_extensions(app)

    try:
        with startup_lock(app):  # several workers may start at once
            if app.config["AUTO_MIGRATE"]:
                _migrate(app)  # before the features: content versions live in the database
            _register_features(app)
    except BaseException:
        with app.app_context():
            db.engine.dispose()  # a refused start leaves no open connections behind
        raise
    return app


def _public_url(app: Flask) -> None:
    """PUBLIC_URL for every link the app makes, and TRUSTED_HOSTS, so that no address comes from the request.

    Required outside debug, tests and the `flask` command (whose development server gets its own address),
    so a production server never falls back to a guess.
    """
    local = app.debug or app.testing
    configured = app.config.get("PUBLIC_URL")
    if not configured:
        fallback = config.flask_command_url() or (config.DEV_PUBLIC_URL if local else None)
        if fallback is None:
            raise StartupRefused(
                "Set LMS_PUBLIC_URL to the site's public address, e.g. "
                "LMS_PUBLIC_URL=https://training.example.org: password-reset links, certificates "
                "and their QR codes are built from it, never from the request's Host header."
            )
        configured, local = fallback, True
    try:
        app.config["PUBLIC_URL"] = config.check_public_url(configured)
    except config.ConfigError as exc:
        raise StartupRefused(str(exc)) from None
    if app.config.get("TRUSTED_HOSTS") is None:
        # A request for any other host gets 400 before it reaches a view (Flask 3.1).
        app.config["TRUSTED_HOSTS"] = config.trusted_hosts(
            app.config["PUBLIC_URL"], app.config.get("EXTRA_TRUSTED_HOSTS") or [], local
        )


def _init_extensions(app: Flask) -> None:

    db.init_app(app)
    init_database(app)
    init_reads(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_features(app: Flask) -> None:
    app.add_template_filter(formats.date_text, "date")
    app.add_template_filter(formats.duration, "duration")
    inputs.init_app(app)  # first: routes use the bounded `int` converter from the moment they are added
    logs.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    urls.init_app(app)
    web.init_app(app)
    auth.init_app(app)
    content.init_app(app)
    cohorts.init_app(app)
    courses.init_app(app)
    assessments.init_app(app)
    certificates.init_app(app)
    trainers.init_app(app)
    admin.init_app(app)
    dashboard.init_app(app)
    publishing.init_app(app)
    portfolio.init_app(app)
    privacy.init_app(app)
    maintenance.init_app(app)
    app.cli.add_command(audit_cli)
    app.cli.add_command(mail_cli)


def _migrate(app: Flask) -> None:
    """Create or upgrade the schema with the bundled Alembic migrations."""
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        ensure_key()
        db.session.remove()
