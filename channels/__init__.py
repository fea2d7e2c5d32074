"""ATL311 channels: the public door for web chat, SMS/WhatsApp, voice, Telegram, Messenger.

Two application factories, served as two processes (``Procfile``):

- ``create_app()`` (gunicorn: ``'channels:create_app()'``, port 8000, public):
  the web chat page and every provider webhook. Each channel is a blueprint
  named for its URL prefix; all of them hand messages to the inbox
  (``channels.inbox``), which stores them, asks the local handlers in the
  order ``local_handlers`` gives, then Rasa, and delivers the answer.
  Nothing under ``/internal/`` is served here (404).
- ``create_internal_app()`` (``'channels:create_internal_app()'``, port 8001,
  bound to 127.0.0.1): ``/internal/send`` (case notices and live chat lines
  from the case store) and ``/internal/dead-letters``, behind
  CHANNELS_INTERNAL_TOKEN. It can text anyone, so it never faces the internet.

Both use the same database and settings, and keep what they are wired with in
``app.extensions["channels"]``: ``engine``, ``executor`` (Rasa calls),
``send_pool``, ``send`` (the sender, ``outbound.deliver``) and, in the public
app, ``handlers`` (the local handler chain).
"""

from __future__ import annotations

import concurrent.futures as cf
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from channels import deliveries  # noqa: F401 - its tables must exist before make_engine
from channels.deadlines import make_send_pool
from channels.logs import configure_logging
from channels.settings import load_settings
from channels.store import make_engine

if TYPE_CHECKING:
    from channels.inbox import LocalHandler


def _engine(url: str) -> sa.engine.Engine:
    """``make_engine``, tolerating the other app creating the same tables at the same moment
    (both processes start together on a new database)."""
    for attempt in range(3):
        try:
            return make_engine(url)
        except sa.exc.DBAPIError:  # "table ... already exists": the tables are there now
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _base_app(test_config: dict[str, Any] | None) -> Flask:
    """What both apps share: settings, the database, the Rasa executor and the send pool."""
    from channels.outbound import deliver  # the provider clients: loaded with an app only

    app = Flask(__name__)
    app.config.update(load_settings(test_config))
    configure_logging(fmt=app.config["LOG_FORMAT"])
    app.extensions["channels"] = {
        "engine": _engine(app.config["CHANNELS_DATABASE_URL"]),
        # Rasa calls run here so a slow one can outlive the webhook's deadline.
        "executor": cf.ThreadPoolExecutor(max_workers=32, thread_name_prefix="rasa-call"),
        # Provider sends run here, never on a request thread (channels.deadlines).
        "send_pool": make_send_pool(app.config["SEND_POOL_SIZE"]),
        # The one way out to a channel address; the inbox and /internal/send use it.
        "send": deliver,
    }

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202 - a Flask handler
        # One error shape for every channel; never echo the request body back.
        return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description), exc.code

    from channels.headers import install_security_headers
    from channels.outage import install_outage_answers

    install_security_headers(app)
    install_outage_answers(app)
    return app


def local_handlers() -> list[LocalHandler]:
    """The local handlers, in the order the inbox asks them before Rasa; the first that
    answers (not None) wins.

    1. ``sms.answer_keyword``: STOP/START/HELP and silence towards an opted-out
       number come first: the law and the carrier say so, even mid-chat;
    2. ``livechat.route_to_agent``: a resident with an open live chat talks to
       the agent, not the assistant (nor the notice replies);
    3. ``notices.answer_notice_reply``: YES/NO after a ``closed`` notice, the
       answer to an ``info_requested`` one.
    """
    from channels import livechat, notices, sms

    return [sms.answer_keyword, livechat.route_to_agent, notices.answer_notice_reply]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the public channels app; ``test_config`` overrides settings from the environment."""
    app = _base_app(test_config)
    # Each app its own list: a test (or a second app) may change one without the other.
    app.extensions["channels"]["handlers"] = local_handlers()

    from channels import (
        cli,
        delivery_status,
        health,
        livechat,
        messenger,
        sms,
        telegram,
        voice,
        webchat,
    )

    for module in (webchat, sms, voice, telegram, messenger, health, livechat, delivery_status):
        app.register_blueprint(module.bp)
    from channels.outage import ride_out_outages

    ride_out_outages(app)
    cli.register(app)
    from channels.metrics import init_metrics

    init_metrics(app, "public")  # GET /metrics; requests and failed sends counted

    if app.config["RETRY_WORKER_THREAD"]:
        from channels.retry import start_thread

        app.extensions["channels"]["retry_stop"] = start_thread(app)
    return app


def create_internal_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the internal app (``/internal/*``, bearer CHANNELS_INTERNAL_TOKEN) for the
    case store; serve it on 127.0.0.1 only (CHANNELS_INTERNAL_PORT, default 8001)."""
    app = _base_app(test_config)
    from channels import deadletters, internal

    app.register_blueprint(internal.bp)
    app.register_blueprint(deadletters.bp)
    from channels.metrics import init_metrics

    init_metrics(app, "internal")
    return app
