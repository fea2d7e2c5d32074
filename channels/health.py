"""``GET /healthz`` for operators and load balancers: 200 when Rasa answers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from channels.rasa_client import rasa_reachable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    """200 when Rasa answers, 503 otherwise."""
    ok = rasa_reachable(current_app.config["RASA_URL"],
                        timeout=current_app.config["RASA_CONNECT_TIMEOUT_SECONDS"])
    return jsonify(status="ok" if ok else "rasa_unreachable"), 200 if ok else 503
