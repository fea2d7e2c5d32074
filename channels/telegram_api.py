"""Telegram Bot API calls through python-telegram-bot, on one long-lived event loop.

python-telegram-bot 22 is asyncio-based and Flask is not: one background thread
runs one event loop for the life of the process, and request threads hand it
coroutines (``run``). A new loop per request would rebuild the HTTP client and
break the Bot's connection pool.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import threading
import time
from collections.abc import Coroutine
from typing import Any

import telegram
import telegram.error
from flask import Flask
from telegram.request import HTTPXRequest

from channels.deadlines import remaining
from channels.errors import SendError

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(
                target=_loop.run_forever, name="telegram-loop", daemon=True
            ).start()
        return _loop


def run(coro: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
    """Run ``coro`` on the shared loop and wait for its result (at most ``timeout``,
    or what is left of the running send's deadline).

    Raises the builtin TimeoutError when it takes longer, after cancelling the
    coroutine: a call given up on must not complete later beside its retry.
    """
    left = remaining()
    if left is not None:
        timeout = max(min(timeout, left), 0.001)
    future = asyncio.run_coroutine_threadsafe(coro, _event_loop())
    try:
        return future.result(timeout)
    # Python 3.10: Future.result raises concurrent.futures.TimeoutError, a class
    # of its own; callers catch the builtin one.
    except (TimeoutError, cf.TimeoutError) as exc:
        future.cancel()
        raise TimeoutError("Telegram call timed out") from exc


def parsing_bot(app: Flask) -> telegram.Bot:
    """The app's Bot, pointed at TELEGRAM_API_BASE_URL, not yet initialised (no API call)."""
    state = app.extensions["channels"]
    with _lock:
        if state.get("telegram_bot") is None:
            base = app.config["TELEGRAM_API_BASE_URL"]
            connect = app.config["OUTBOUND_CONNECT_TIMEOUT_SECONDS"]
            read = app.config["OUTBOUND_READ_TIMEOUT_SECONDS"]
            state["telegram_bot"] = telegram.Bot(
                app.config["TELEGRAM_BOT_TOKEN"],
                base_url=f"{base}/bot",
                base_file_url=f"{base}/file/bot",
                # Sends from every pool thread share this client.
                request=HTTPXRequest(
                    connection_pool_size=max(int(app.config["SEND_POOL_SIZE"]), 1) + 2,
                    connect_timeout=connect, read_timeout=read, write_timeout=read,
                    pool_timeout=connect),
            )
    return state["telegram_bot"]


def bot(app: Flask) -> telegram.Bot:
    """The app's Bot, initialised once (``getMe``) on the shared loop."""
    instance = parsing_bot(app)
    run(instance.initialize())
    return instance


def _keyboard(buttons: list[dict[str, str]]) -> telegram.InlineKeyboardMarkup | None:
    if not buttons:
        return None
    # callback_data is limited to 64 bytes; longer payloads are cut rather than rejected.
    rows = [
        [telegram.InlineKeyboardButton(b["title"][:64], callback_data=b["payload"][:64])]
        for b in buttons
    ]
    return telegram.InlineKeyboardMarkup(rows)


def _timeouts(app: Flask, until: float | None) -> dict[str, float]:
    connect, read = app.config["OUTBOUND_CONNECT_TIMEOUT_SECONDS"], \
        app.config["OUTBOUND_READ_TIMEOUT_SECONDS"]
    if until is not None:
        left = until - time.monotonic()
        if left <= 0:
            raise SendError("send deadline passed")
        connect, read = min(connect, left), min(read, left)
    return {"connect_timeout": connect, "read_timeout": read, "write_timeout": read,
            "pool_timeout": connect}


def send_messages(app: Flask, chat_id: str, messages: list[dict[str, Any]]) -> None:
    """Send each message to ``chat_id``: text with an inline keyboard, or a photo.

    Raises SendError; permanent when the resident blocked the bot (403) or the
    chat no longer exists.
    """
    left = remaining()
    # The coroutine runs on the loop's thread, outside this send's context: it
    # gets the deadline as a time.
    until = None if left is None else time.monotonic() + left
    try:
        instance = bot(app)

        async def send() -> None:
            for message in messages:
                markup = _keyboard(message.get("buttons") or [])
                if message.get("image"):
                    await instance.send_photo(chat_id, message["image"], **_timeouts(app, until))
                text = message.get("text") or ""
                if text or markup:
                    for start in range(0, max(len(text), 1), 4096):
                        await instance.send_message(
                            chat_id, text[start : start + 4096] or "…", reply_markup=markup,
                            **_timeouts(app, until))

        run(send())
    except telegram.error.Forbidden as exc:
        raise SendError("telegram refused: the resident blocked the bot",
                        permanent=True) from exc
    except telegram.error.BadRequest as exc:
        permanent = "chat not found" in str(exc).lower()
        raise SendError("telegram bad request", permanent=permanent) from exc
    except (telegram.error.TelegramError, TimeoutError) as exc:
        raise SendError(type(exc).__name__) from exc


def answer_callback(app: Flask, callback_query_id: str) -> None:
    """Stop the spinner on the button the resident pressed."""
    instance = bot(app)
    run(instance.answer_callback_query(callback_query_id))


def file_url(app: Flask, file_id: str) -> str:
    """The download URL of a file (contains the bot token: never show it publicly)."""
    instance = bot(app)
    file = run(instance.get_file(file_id))
    return str(file.file_path)


def set_webhook(app: Flask, url: str) -> bool:
    """Point Telegram at ``url`` with the secret token the webhook checks."""
    instance = bot(app)
    return bool(
        run(
            instance.set_webhook(
                url,
                secret_token=app.config["TELEGRAM_SECRET_TOKEN"],
                allowed_updates=["message", "callback_query"],
            )
        )
    )
