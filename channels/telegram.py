"""Telegram: ``POST /telegram`` takes Bot API Updates; replies go out through the Bot API.

The webhook is set with a secret token (``flask --app channels telegram-set-webhook``)
and every request must carry it in ``X-Telegram-Bot-Api-Secret-Token``. Updates
are parsed with python-telegram-bot; buttons become inline keyboards, pressed
buttons (callback queries) are answered, a shared location travels as
``location`` metadata and a photo as ``telegram-file:<file_id>`` in ``media_urls``,
which the inbox worker copies into the case store (``channels.media``). Links
that older cases keep, ``/telegram/files/<file_id>``, still work (Telegram's own
file URLs contain the bot token): only file ids a resident sent (recorded in
``telegram_files``), streamed with
a size cap (TELEGRAM_FILE_MAX_BYTES), always as ``image/jpeg`` with
``nosniff``. An update without a chat or without anything to say is
acknowledged and ignored; control characters are stripped from the text.
``/start`` greets and ``/status <number>`` looks a case up. The sender's Telegram
language (``from.language_code``, "es-MX" -> "es") goes to the assistant as the
metadata ``language`` when the catalog has it. The channel is off (404) until
TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN are set.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterator
from typing import Any

import requests
import telegram
import telegram.error
from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.dialects import postgresql, sqlite

from channels import i18n, media, senders, telegram_api
from channels.channel_address import make
from channels.inbox import Incoming, deliver_outcome, receive
from channels.intake import clean_text, coordinates
from channels.rasa_client import neutralise
from channels.store import TelegramFile, session, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("telegram", __name__, url_prefix="/telegram")
_HANDLED = ("message", "edited_message", "callback_query")
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def _enabled() -> None:
    config = current_app.config
    if not (config["TELEGRAM_BOT_TOKEN"] and config["TELEGRAM_SECRET_TOKEN"]):
        abort(404)


def _command_text(text: str, lang: str | None = None) -> str:
    """``/start`` and ``/status <number>`` in the assistant's words (the configured sentences,
    in ``lang`` when a translation has them); other text neutralised."""
    command, _, rest = text.strip().partition(" ")
    command = command.split("@", 1)[0].casefold()
    config = current_app.config
    if command == "/start":
        return i18n.gettext(lang, config["GREETING_TEXT"])
    if command == "/status":
        number = neutralise(rest)
        if number:
            return i18n.gettext(lang, config["STATUS_TEXT_TEMPLATE"], number=number)
        return i18n.gettext(lang, config["STATUS_QUESTION_TEXT"])
    return neutralise(text)


def _language_hint(user: telegram.User | None) -> dict[str, Any]:
    """``{"language": "es"}`` from the sender's Telegram language, when the catalog has it."""
    lang = i18n.normalize(current_app, getattr(user, "language_code", None))
    return {"language": lang} if lang else {}


def _incoming(update: telegram.Update) -> Incoming | None:
    """The one message an Update carries, or None for kinds we do not handle."""
    provider_id = str(update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        if query.message is None or query.message.chat is None or not query.data:
            return None
        chat = make("telegram", str(query.message.chat.id))
        try:
            telegram_api.answer_callback(current_app, query.id)
        except (telegram.error.TelegramError, TimeoutError) as exc:
            log.warning("answerCallbackQuery failed: %s", type(exc).__name__)
        offered = senders.offered_buttons(current_app, chat)
        button = next((b for b in offered if b["payload"][:64] == query.data), None)
        text = button["payload"] if button else neutralise(clean_text(query.data))
        return Incoming("telegram", f"{query.message.chat.id}:{provider_id}", chat, text,
                        button["title"] if button else text, _language_hint(query.from_user))
    message = update.message or update.edited_message
    if message is None or message.chat is None:
        return None
    chat = make("telegram", str(message.chat.id))
    metadata: dict[str, Any] = _language_hint(message.from_user)
    text = clean_text(message.text or message.caption or "")
    location = message.location and coordinates(message.location.latitude,
                                                message.location.longitude)
    if location:
        metadata["location"] = location
        text = text or "my location"
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width or 0) * (p.height or 0))
        if _FILE_ID.match(largest.file_id or ""):
            _record_file(largest.file_id)
            # The inbox worker copies it into the case store (channels/media.py).
            metadata["media_urls"] = [f"{media.TELEGRAM_FILE}{largest.file_id}"]
            text = text or "photo"
    text = _command_text(text, metadata.get("language")) if text else ""
    if not text:
        return None
    # Update ids restart at random after a week of silence: scoped by the chat.
    return Incoming("telegram", f"{message.chat.id}:{provider_id}", chat, text,
                    clean_text(message.text or ""), metadata)


def _record_file(file_id: str) -> None:
    """Remember a photo a resident sent: only these are served by ``file``."""
    with session(current_app.extensions["channels"]["engine"]) as db:
        insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" \
            else sqlite.insert
        db.execute(insert(TelegramFile).values(file_id=file_id, created_at=utcnow())
                   .on_conflict_do_nothing(index_elements=["file_id"]))
        db.commit()


def _recorded(file_id: str) -> bool:
    with session(current_app.extensions["channels"]["engine"]) as db:
        return db.get(TelegramFile, file_id) is not None


@bp.post("")
def webhook():  # noqa: ANN201
    """One Update from Telegram."""
    _enabled()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    expected = current_app.config["TELEGRAM_SECRET_TOKEN"]
    if not hmac.compare_digest(given.encode(), expected.encode()):
        abort(403)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        abort(400, "An Update is a JSON object with an update_id.")
    if not any(kind in data for kind in _HANDLED):
        return Response("", status=200)  # an update kind we do not handle: acknowledged
    try:
        update = telegram.Update.de_json(data, telegram_api.parsing_bot(current_app))
    except (KeyError, TypeError, ValueError, AttributeError):
        abort(400, "The Update could not be parsed.")
    incoming = _incoming(update)
    if incoming is None:
        return Response("", status=200)  # an update kind we do not handle: acknowledged
    outcome = receive(incoming)
    if outcome.duplicate:
        return Response("", status=200)
    deliver_outcome(incoming.sender, outcome)
    return Response("", status=200)


@bp.get("/files/<file_id>")
def file(file_id: str):  # noqa: ANN201
    """A resident's photo, fetched from Telegram without exposing the bot token."""
    _enabled()
    if not _FILE_ID.match(file_id) or not _recorded(file_id):
        abort(404)
    cap = current_app.config["TELEGRAM_FILE_MAX_BYTES"]
    try:
        url = telegram_api.file_url(current_app, file_id)
        upstream = requests.get(url, timeout=10, stream=True)
    except (telegram.error.TelegramError, TimeoutError, requests.RequestException):
        abort(404)
    length = upstream.headers.get("Content-Length", "")
    if upstream.status_code != 200 or (length.isascii() and length.isdecimal()
                                       and int(length) > cap):
        upstream.close()
        abort(404)

    def body() -> Iterator[bytes]:
        sent = 0
        try:
            for chunk in upstream.iter_content(64 * 1024):
                sent += len(chunk)
                if sent > cap:  # a length the upstream did not announce: cut it off
                    return
                yield chunk
        except requests.RequestException:
            return
        finally:
            upstream.close()

    response = Response(body(), mimetype="image/jpeg")
    # Whatever Telegram says the file is, the browser must treat it as an image.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
