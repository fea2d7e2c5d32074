"""Runs the rasa-sdk action server for ``bot.actions``, bound to localhost.

    .venv/bin/python -m bot.actions.serve      # Ctrl-C stops it

``ACTIONS_HOST`` (default 127.0.0.1: only Rasa, on the same machine, may call
it; the action server has no authentication) and ``ACTIONS_PORT`` (default
5055). ``LOG_LEVEL`` defaults to INFO, at which no resident text or contact
detail is logged. rasa-sdk 3.6's own CLI cannot choose the interface, so the
app is built with ``rasa_sdk.endpoint.create_app`` and run here.
"""

from __future__ import annotations

import logging
import os


def main() -> None:
    """Configure logging, build the action server app and serve it until stopped."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Imported here so `python -m bot.actions.serve --help`-style tooling stays light.
    from rasa_sdk.endpoint import create_app

    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTIONS_PORT", "5055"))
    app = create_app("bot.actions", cors_origins=None)
    logging.getLogger(__name__).info("action server on http://%s:%s/webhook", host, port)
    # One worker: the actions are async and keep blocking I/O in threads.
    app.run(host, port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
