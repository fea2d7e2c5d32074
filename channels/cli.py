"""Management commands: ``flask --app channels telegram-set-webhook`` and ``retry-worker``."""

from __future__ import annotations

import threading

import click
from flask import Flask


def register(app: Flask) -> None:
    """Add the channels' commands to ``app.cli``."""

    @app.cli.command("telegram-set-webhook")
    @click.option("--url", default=None, help="Webhook URL (default PUBLIC_BASE_URL/telegram).")
    def telegram_set_webhook(url: str | None) -> None:
        """Point Telegram at this app's webhook, with TELEGRAM_SECRET_TOKEN."""
        from channels import telegram_api

        if not (app.config["TELEGRAM_BOT_TOKEN"] and app.config["TELEGRAM_SECRET_TOKEN"]):
            raise click.ClickException("Set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN first.")
        target = url or f"{app.config['PUBLIC_BASE_URL']}/telegram"
        if not target.startswith("https://") and not url:
            click.echo("warning: Telegram accepts only https webhooks", err=True)
        ok = telegram_api.set_webhook(app, target)
        if not ok:
            raise click.ClickException("Telegram refused the webhook.")
        click.echo(f"webhook set to {target}")

    @app.cli.command("retry-worker")
    def retry_worker() -> None:
        """Run the retry worker in the foreground (Ctrl-C stops it)."""
        from channels.retry import run_forever

        stop = app.extensions["channels"].pop("retry_stop", None)
        if stop is not None:  # the app's own thread is redundant here
            stop.set()
        click.echo("retry worker running")
        try:
            run_forever(app, threading.Event())
        except KeyboardInterrupt:
            pass
