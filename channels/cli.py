"""Management commands: ``flask --app channels telegram-set-webhook``, ``retry-worker``,
``dead-letters`` and ``purge``."""

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

    @app.cli.command("dead-letters")
    @click.option("--limit", default=100, show_default=True, help="How many, newest first.")
    def list_dead_letters(limit: int) -> None:
        """List the messages given up on (ids and error classes; no text, no addresses)."""
        from channels.deadletters import dead_letters

        rows = dead_letters(app, limit)
        if not rows:
            click.echo("no dead letters")
            return
        click.echo(f"{'id':>8}  {'channel':<10} {'kind':<9} {'attempts':>8}  "
                   f"{'created_at':<27} {'dead_at':<27} last_error")
        for row in rows:
            click.echo(f"{row['id']:>8}  {row['channel']:<10} {row['kind']:<9} "
                       f"{row['attempts']:>8}  {row['created_at']:<27} {row['dead_at'] or '':<27} "
                       f"{row['last_error']}")

    @app.cli.command("purge")
    def purge_old_rows() -> None:
        """Delete inbox rows, transcripts and notices older than INBOX_RETENTION_DAYS."""
        from channels.retention import purge

        deleted = purge(app)
        click.echo(" ".join(f"{table}={count}" for table, count in deleted.items()))
