"""Residents' photos: copied from the provider into the case store before anyone uses them.

A webhook only notes what a message carried (``media_urls``: Twilio's
``MediaUrl0``…, Messenger's attachment URLs, ``telegram-file:<file_id>`` for a
Telegram photo). When the inbox worker takes the message (``inbox.answer``,
never the webhook's own request) ``localise`` fetches each photo from its
provider and uploads it to the case store (``POST /api/v1/media``), and the
message goes on with ``media:<id>`` references instead: the assistant, a
notice reply's ``info_added`` and a live chat see only those.

Only the provider's own hosts are ever fetched (``allowed``):

- Twilio (SMS, MMS, WhatsApp): ``https://api.twilio.com`` and the origin of
  TWILIO_API_BASE_URL, with the account SID and token as HTTP basic auth;
  redirects only to ``https://*.twiliocdn.com`` (Twilio's media CDN), without
  the credentials;
- Telegram: the Bot API's file download under TELEGRAM_API_BASE_URL, found by
  ``getFile`` from the file id;
- Messenger: ``https://*.fbcdn.net``, ``https://*.fbsbx.com`` and the origin of
  MESSENGER_API_BASE_URL.

Every fetch has the outbound connect/read timeouts, an overall deadline, and a
size cap (MEDIA_MAX_BYTES) counted while the body streams in. A photo that
cannot be had (another host, a refusal, too big, not an image, the provider
unreachable) is left out: the message goes on without it and its metadata
says ``media_dropped: <n>``. When the case store cannot be reached the message
is not answered yet: ``TurnError`` hands it to the inbox's retry with backoff
(photos already copied are remembered on the row, so a retry does not copy
them twice).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import sqlalchemy as sa
import telegram.error
from flask import Flask

from channels import casestore_client, telegram_api, tokens
from channels.rasa_client import TurnError
from channels.store import InboxMessage, session

log = logging.getLogger(__name__)

TELEGRAM_FILE = "telegram-file:"
TWILIO_HOSTS = ("api.twilio.com",)
TWILIO_CDN = (".twiliocdn.com",)
MESSENGER_CDN = (".fbcdn.net", ".fbsbx.com")
MAX_REDIRECTS = 3
# The whole of one photo's download, however slowly the provider sends it.
FETCH_DEADLINE_SECONDS = 30.0
_CHUNK = 64 * 1024
_session = requests.Session()  # one connection pool for every provider download


class MediaDropped(Exception):  # noqa: N818 - not an error of ours: the photo is left out
    """This photo cannot be had; the message goes on without it. ``reason`` has no URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_ref(entry: object) -> bool:
    """True for a case store reference (``media:<id>``): already copied."""
    return isinstance(entry, str) and entry.startswith("media:")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _https_host(url: str, names: tuple[str, ...], suffixes: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host in names or host.endswith(suffixes))


def allowed(app: Flask, channel: str, url: str, *, redirect: bool = False) -> bool:
    """True when ``url`` is one of the channel's provider hosts (a redirect's target when
    ``redirect``); nothing else is ever fetched."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return False
    config = app.config
    if channel in ("sms", "whatsapp"):
        if redirect and _https_host(url, (), TWILIO_CDN):
            return True
        return (_origin(url) == _origin(config["TWILIO_API_BASE_URL"])
                or _https_host(url, TWILIO_HOSTS, ()))
    if channel == "messenger":
        return (_origin(url) == _origin(config["MESSENGER_API_BASE_URL"])
                or _https_host(url, (), MESSENGER_CDN))
    if channel == "telegram":
        return not redirect and url.startswith(f"{config['TELEGRAM_API_BASE_URL']}/file/bot")
    return False


def _read_capped(response: requests.Response, cap: int, until: float) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.isascii() and length.isdecimal() and int(length) > cap:
        raise MediaDropped("larger than MEDIA_MAX_BYTES")
    chunks, size = [], 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > cap:  # a length the provider did not announce: stop reading
            raise MediaDropped("larger than MEDIA_MAX_BYTES")
        if time.monotonic() > until:
            raise MediaDropped("download deadline passed")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(app: Flask, channel: str, url: str) -> bytes:
    """Download one photo from the channel's provider; raises ``MediaDropped``.

    Redirects are followed by hand, each target checked with ``allowed``; the
    Twilio credentials go only to the first, Twilio's own, request.
    """
    config = app.config
    auth = None
    if channel in ("sms", "whatsapp") and config["TWILIO_ACCOUNT_SID"] and \
            config["TWILIO_AUTH_TOKEN"]:
        auth = (config["TWILIO_ACCOUNT_SID"], tokens.presented(config["TWILIO_AUTH_TOKEN"]))
    timeout = (config["OUTBOUND_CONNECT_TIMEOUT_SECONDS"], config["OUTBOUND_READ_TIMEOUT_SECONDS"])
    until = time.monotonic() + FETCH_DEADLINE_SECONDS
    for hop in range(MAX_REDIRECTS + 1):
        if not allowed(app, channel, url, redirect=hop > 0):
            raise MediaDropped("not a host of the provider")
        try:
            response = _session.get(url, auth=auth if hop == 0 else None, timeout=timeout,
                                    stream=True, allow_redirects=False)
        except requests.RequestException as exc:
            raise MediaDropped(f"provider unreachable ({type(exc).__name__})") from exc
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise MediaDropped(f"provider answered {response.status_code}")
            try:
                return _read_capped(response, int(config["MEDIA_MAX_BYTES"]), until)
            except requests.RequestException as exc:
                raise MediaDropped(f"download failed ({type(exc).__name__})") from exc
    raise MediaDropped("too many redirects")


def _provider_url(app: Flask, channel: str, entry: str) -> str:
    """The URL to fetch for one ``media_urls`` entry (a Telegram file id is looked up)."""
    if channel == "telegram":
        if not entry.startswith(TELEGRAM_FILE):
            raise MediaDropped("not a Telegram file id")
        try:
            return telegram_api.file_url(app, entry[len(TELEGRAM_FILE):])
        except (telegram.error.TelegramError, TimeoutError) as exc:
            raise MediaDropped(f"getFile failed ({type(exc).__name__})") from exc
    return entry


def _copy(app: Flask, channel: str, entry: str) -> str:
    """Fetch one photo and store it in the case store; return its ``media:<id>``."""
    data = fetch(app, channel, _provider_url(app, channel, entry))
    try:
        return casestore_client.upload_media(app, data, channel)
    except casestore_client.CaseStoreError as exc:
        if exc.refused:  # not an image, too big: the same answer on every retry
            raise MediaDropped(f"case store refused it ({exc.status})") from exc
        raise


def _save(app: Flask, inbox_id: int, meta: dict[str, Any]) -> None:
    with session(app.extensions["channels"]["engine"]) as db:
        db.execute(sa.update(InboxMessage).where(InboxMessage.id == inbox_id).values(meta=meta))
        db.commit()


def localise(app: Flask, row: InboxMessage) -> None:
    """Replace the provider photos in ``row.meta["media_urls"]`` with case store references
    (on the row and in the database). Raises ``TurnError`` when the case store is down."""
    meta = dict(row.meta or {})
    entries = [e for e in meta.get("media_urls") or [] if isinstance(e, str)]
    if not entries or all(is_ref(e) for e in entries):
        return
    kept: list[str] = []
    dropped = int(meta.get("media_dropped") or 0)
    for index, entry in enumerate(entries):
        if is_ref(entry):
            kept.append(entry)
            continue
        try:
            kept.append(_copy(app, row.channel, entry))
        except MediaDropped as exc:
            dropped += 1
            # Ids only: a provider URL names the account, a file id the resident's photo.
            log.warning("photo of inbox message %s left out: %s", row.id, exc.reason)
        except casestore_client.CaseStoreError as exc:
            # Keep what was copied; the retry starts from the first photo not copied yet.
            _save(app, row.id, {**meta, "media_urls": kept + entries[index:],
                                "media_dropped": dropped})
            raise TurnError(f"photo not stored yet: {exc}") from exc
    meta["media_urls"] = kept
    if dropped:
        meta["media_dropped"] = dropped
    if not kept:
        meta.pop("media_urls")
    _save(app, row.id, meta)
    row.meta = meta
