"""Telegram Bot API calls through python-telegram-bot, on one long-lived event loop.

python-telegram-bot 22 is asyncio-based and Flask is not: one background thread
runs one event loop for the life of the process, and request threads hand it
coroutines (``run``). A new loop per request would rebuild the HTTP client and
break the Bot's connection pool.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

import telegram
from flask import Flask

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
    """Run ``coro`` on the shared loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coro, _event_loop()).result(timeout)


def parsing_bot(app: Flask) -> telegram.Bot:
    """The app's Bot, pointed at TELEGRAM_API_BASE_URL, not yet initialised (no API call)."""
    state = app.extensions["channels"]
    with _lock:
        if state.get("telegram_bot") is None:
            base = app.config["TELEGRAM_API_BASE_URL"]
            state["telegram_bot"] = telegram.Bot(
                app.config["TELEGRAM_BOT_TOKEN"],
                base_url=f"{base}/bot",
                base_file_url=f"{base}/file/bot",
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


def send_messages(app: Flask, chat_id: str, messages: list[dict[str, Any]]) -> None:
    """Send each message to ``chat_id``: text with an inline keyboard, or a photo."""
    instance = bot(app)

    async def send() -> None:
        for message in messages:
            markup = _keyboard(message.get("buttons") or [])
            if message.get("image"):
                await instance.send_photo(chat_id, message["image"])
            text = message.get("text") or ""
            if text or markup:
                for start in range(0, max(len(text), 1), 4096):
                    await instance.send_message(
                        chat_id, text[start : start + 4096] or "…", reply_markup=markup
                    )

    run(send())


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
