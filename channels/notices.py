"""Replies to case notices: "Is it fixed? Reply YES or NO" and answers to questions.

The case store's notifier delivers notices through POST /internal/send, which
records (address, case number, event). The next message from that address,
within the reply window, is read here before the assistant sees it:

- after a ``closed`` notice: YES thanks the resident; NO (with anything they
  add) reopens the case, which tells its department;
- after an ``info_requested`` notice: the reply (and any photo) is added to
  the case as ``info_added``.
Anything else goes to the assistant as usual.

When the case store refuses (4xx: the case was already reopened, is closed,
or does not exist) the resident is told what happened and what to do, the
notice is closed and the message is done; only an unreachable, slow or
failing (5xx) case store makes the inbox retry the message. The calls carry
``Idempotency-Key: channels:<channel>:<provider id>``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask

from channels import casestore_client, i18n, senders
from channels.store import InboxMessage

log = logging.getLogger(__name__)

_YES = {"yes", "y", "yeah", "yep", "fixed", "si", "sí"}
_NO = {"no", "n", "nope", "not"}


def _first_word(text: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-zÍí]+)[\s,.!:;-]*(.*)", text, re.S)
    if not match:
        return "", text.strip()
    return match.group(1).casefold(), match.group(2).strip()


def _idempotency_key(row: InboxMessage) -> str:
    return f"channels:{row.channel}:{row.provider_id}"


def _refused_reply(app: Flask, number: str, event: str, status: int | None,
                   lang: str | None = None) -> str:
    """What the resident hears when the case store refused the reply (a 4xx)."""
    phone = app.config["CITY_311_PHONE"]
    if status == 404:
        return i18n.gettext(
            lang, "We could not find case {number}. Please check the number, or call 311 "
            "({phone}) and we will look it up for you.", number=number, phone=phone)
    if status == 409 and event == "closed":
        return i18n.gettext(
            lang, "Case {number} is already open again, so there is nothing to reopen: the "
            "department is working on it. To check on it, send us the number {number}; "
            "to add details, call 311 ({phone}).", number=number, phone=phone)
    if status == 409:
        return i18n.gettext(
            lang, "Case {number} is closed now, so we could not add that to it. If the "
            "problem is still there, call 311 ({phone}) or report it again here.",
            number=number, phone=phone)
    return i18n.gettext(lang, "Sorry, we could not add that to case {number}. Please call "
                        "311 ({phone}) and we will help.", number=number, phone=phone)


def _post(app: Flask, row: InboxMessage, notice_id: int, number: str, event: str,
          activity: dict[str, Any], done_text: str) -> list[dict[str, Any]]:
    """Post the activity; a refusal (4xx) is an answer too, anything else is retried."""
    try:
        casestore_client.add_activity(app, number, activity, _idempotency_key(row))
    except casestore_client.CaseStoreError as exc:
        if not exc.refused:
            raise  # unreachable, slow or 5xx: the inbox retries the message
        # Asking again would get the same answer: say so, and let the notice go.
        log.info("event=notice_reply_refused case=%s status=%s inbox_id=%s",
                 number, exc.status, row.id)
        senders.close_notice(app, notice_id)
        lang = senders.conversation_language(app, row.sender, (row.meta or {}).get("language"))
        return [{"text": _refused_reply(app, number, event, exc.status, lang)}]
    senders.close_notice(app, notice_id)
    return [{"text": done_text}]


def answer_notice_reply(app: Flask, row: InboxMessage) -> list[dict[str, Any]] | None:
    """Handle a reply to the latest open notice to this address; None when it is not one
    (a local handler)."""
    if row.channel == "voice" or row.text.startswith("/"):
        return None
    notice = senders.open_notice(app, row.sender)
    if notice is None:
        return None
    number = notice.case_number
    lang = senders.conversation_language(app, row.sender, (row.meta or {}).get("language"))
    if notice.event == "closed":
        word, rest = _first_word(row.text)
        if word in _YES:
            senders.close_notice(app, notice.id)
            return [{"text": i18n.gettext(
                lang, "Thank you for confirming that case {number} is fixed.", number=number)}]
        if word not in _NO:
            return None
        activity = {
            "kind": "reopened",
            "note": rest or "The resident replied that the problem is not fixed.",
            "public": False,  # the resident's own words
            "channel_address": row.sender,
        }
        return _post(app, row, notice.id, number, "closed", activity, i18n.gettext(
            lang, "We reopened case {number} and told the department. Thank you.",
            number=number))
    if notice.event == "info_requested":
        activity = {
            "kind": "info_added",
            "note": row.text,
            "public": False,
            "channel_address": row.sender,
        }
        if (row.meta or {}).get("media_urls"):
            activity["media_urls"] = row.meta["media_urls"]
        return _post(app, row, notice.id, number, "info_requested", activity, i18n.gettext(
            lang, "Thank you, we added that to case {number}.", number=number))
    return None
