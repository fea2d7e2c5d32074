"""ATL311 case store: the Flask application factory.

Run it with ``flask --app casestore run`` or ``gunicorn 'casestore:create_app()'``;
operator commands are ``flask --app casestore <command>`` (see cli.py).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, jsonify

from . import db
from .config import load_settings


def _secret_key(var_dir: str) -> str:
    """Return the session-signing key kept under var/ (shared by all workers).

    The first worker to get there creates it (0600 from the start); a worker
    racing it reads the same key instead of writing its own.
    """
    from .auth import read_secret_file

    return read_secret_file(Path(var_dir) / "secret_key", secrets.token_hex(32))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the case store app; ``test_config`` overrides settings from the environment."""
    from .media.uploads import UploadRequest

    app = Flask(__name__)
    # Views marked accepts_photos take photos above MAX_CONTENT_LENGTH (media/uploads.py).
    app.request_class = UploadRequest
    app.config.update(load_settings())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.config["VAR_DIR"])

    from .logs import configure_logging

    configure_logging(fmt=app.config["LOG_FORMAT"])
    db.init_app(app)

    from .hygiene import init_hygiene

    init_hygiene(app)

    from .auth import init_login

    init_login(app)

    from .i18n import init_i18n

    init_i18n(app)

    from .pages import init_pages

    # The pages kernel: what every page blueprint below shares (cookies, CSRF, filters).
    init_pages(app)

    from .account import bp as account_bp
    from .api import bp as api_bp
    from .api import init_api
    from .open311 import bp as open311_bp
    from .portal import bp as portal_bp
    from .public import bp as public_bp
    from .report import bp as report_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    init_api(app)
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    app.register_blueprint(portal_bp, url_prefix="/portal")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(public_bp)
    app.register_blueprint(report_bp)  # /report: the resident's web form

    from .livechat import register as register_livechat

    register_livechat(app)

    @app.get("/healthz")
    def healthz():
        ok = db.database_ok()
        return jsonify({"status": "ok" if ok else "database unreachable"}), 200 if ok else 503

    from .metrics import init_metrics

    init_metrics(app)  # GET /metrics, and every request counted (docs/operations.md)

    from .cli import register_cli

    register_cli(app)

    from .limits import init_limits, init_proxy

    # Last: the limiter wraps the views every blueprint above declared limits on.
    init_limits(app)
    init_proxy(app)
    return app
