"""Live chat with a human 311 agent: the routing state, its JSON API and the agents' console.

``register(app)`` mounts the JSON endpoints at ``/api/v1/live-chats`` (the
action server and the channels app, service token) and the console at
``/portal/live-chat`` (staff). The state lives in the ``live_chats`` table,
so any number of channels replicas route alike and a restart loses nothing;
see docs/livechat.md.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register the live chat blueprints and the ``livechat-sweep`` command on ``app``."""
    from .api import bp as api_bp
    from .console import bp as console_bp
    from .sweep import register_cli

    app.register_blueprint(api_bp, url_prefix="/api/v1/live-chats")
    app.register_blueprint(console_bp, url_prefix="/portal/live-chat")
    register_cli(app)
