"""ATL311 channels: the public door for web chat, SMS/WhatsApp, voice, Telegram, Messenger.

``create_app()`` is the Flask application factory (gunicorn: ``'channels:create_app()'``).
Each channel is a blueprint named for its URL prefix; all of them hand messages
to ``channels.inbox.receive``, which stores, relays to Rasa and answers.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from channels.settings import load_settings
from channels.store import make_engine


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the channels app; ``test_config`` overrides settings from the environment."""
    app = Flask(__name__)
    app.config.update(load_settings(test_config))
    logging.basicConfig(level=logging.INFO)
    app.extensions["channels"] = {
        "engine": make_engine(app.config["CHANNELS_DATABASE_URL"]),
        # Rasa calls run here so a slow one can outlive the webhook's deadline.
        "executor": cf.ThreadPoolExecutor(max_workers=32, thread_name_prefix="rasa-call"),
    }

    # livechat's inbox handler is registered before the notice replies' (import order).
    from channels import cli, internal, livechat, messenger, notices, sms, telegram, voice, webchat

    assert notices  # registers the notice-reply handler with the inbox
    for module in (webchat, sms, voice, telegram, messenger, internal, livechat):
        app.register_blueprint(module.bp)
    cli.register(app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202 - a Flask handler
        # One error shape for every channel; never echo the request body back.
        return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description), exc.code

    if app.config["RETRY_WORKER_THREAD"]:
        from channels.retry import start_thread

        app.extensions["channels"]["retry_stop"] = start_thread(app)
    return app
