"""Runs the rasa-sdk action server for ``bot.actions``, bound to localhost.

    .venv/bin/python -m bot.actions.serve      # Ctrl-C stops it

``ACTIONS_HOST`` (default 127.0.0.1: only Rasa, on the same machine, may call
it; the action server has no authentication) and ``ACTIONS_PORT`` (default
5055). ``LOG_LEVEL`` defaults to INFO, at which no resident text or contact
detail is logged; ``LOG_FORMAT`` (default json) gives one JSON object per line
on stderr (bot/logs.py), ``text`` key=value lines. rasa-sdk 3.6's own CLI
cannot choose the interface, so the app is built with
``rasa_sdk.endpoint.create_app`` and run here, with ``GET /metrics`` beside
``/webhook`` (bot/actions/metrics.py).

Once the server is up it also runs the queued-report worker
(``bot.actions.filing_worker``: reports confirmed while the case store was
down are filed when it is back, and the resident is told the number), as an
asyncio task on the server's own loop; it is cancelled when the server stops.
"""

from __future__ import annotations

import asyncio
import logging


def main() -> None:
    """Configure logging, build the action server app and serve it until stopped."""
    from bot.actions.settings import current as current_settings

    current = current_settings()
    from bot.logs import configure_logging

    configure_logging(current.LOG_LEVEL, current.LOG_FORMAT)
    # Imported here so `python -m bot.actions.serve --help`-style tooling stays light.
    from rasa_sdk.endpoint import create_app

    host, port = current.ACTIONS_HOST, current.ACTIONS_PORT
    from bot.actions.filing_worker import run_worker

    app = create_app("bot.actions", cors_origins=None)
    from bot.actions.metrics import init_metrics

    init_metrics(app)  # GET /metrics; every action run counted by name
    tasks: list[asyncio.Task] = []

    async def start_worker(_app, loop) -> None:  # noqa: ANN001 - Sanic's listener signature
        tasks.append(loop.create_task(run_worker()))

    async def stop_worker(_app, _loop) -> None:  # noqa: ANN001
        for task in tasks:
            task.cancel()

    app.register_listener(start_worker, "after_server_start")
    app.register_listener(stop_worker, "before_server_stop")
    logging.getLogger(__name__).info("action server on http://%s:%s/webhook", host, port)
    # One worker: the actions are async and keep blocking I/O in threads.
    app.run(host, port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
