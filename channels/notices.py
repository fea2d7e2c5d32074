"""Replies to case notices: "Is it fixed? Reply YES or NO" and answers to questions.

The case store's notifier delivers notices through POST /internal/send, which
records (address, case number, event). The next message from that address,
within the reply window, is read here before the assistant sees it:

- after a ``closed`` notice: YES thanks the resident; NO (with anything they
  add) reopens the case, which tells its department;
- after an ``info_requested`` notice: the reply (and any photo) is added to
  the case as ``info_added``.
Anything else goes to the assistant as usual.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from channels import addresses, casestore_client
from channels.inbox import register_local_handler
from channels.store import InboxMessage

_YES = {"yes", "y", "yeah", "yep", "fixed", "si", "sí"}
_NO = {"no", "n", "nope", "not"}


def _first_word(text: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-zÍí]+)[\s,.!:;-]*(.*)", text, re.S)
    if not match:
        return "", text.strip()
    return match.group(1).casefold(), match.group(2).strip()


@register_local_handler
def answer_notice_reply(app: Flask, row: InboxMessage) -> list[dict[str, Any]] | None:
    """Handle a reply to the latest open notice to this address; None when it is not one."""
    if row.channel == "voice" or row.text.startswith("/"):
        return None
    notice = addresses.open_notice(app, row.sender)
    if notice is None:
        return None
    number = notice.case_number
    if notice.event == "closed":
        word, rest = _first_word(row.text)
        if word in _YES:
            addresses.close_notice(app, notice.id)
            return [{"text": f"Thank you for confirming that case {number} is fixed."}]
        if word not in _NO:
            return None
        casestore_client.add_activity(
            app,
            number,
            {
                "kind": "reopened",
                "note": rest or "The resident replied that the problem is not fixed.",
                "public": True,
                "channel_address": row.sender,
            },
        )
        addresses.close_notice(app, notice.id)
        return [{"text": f"We reopened case {number} and told the department. Thank you."}]
    if notice.event == "info_requested":
        activity: dict[str, Any] = {
            "kind": "info_added",
            "note": row.text,
            "public": False,
            "channel_address": row.sender,
        }
        if (row.meta or {}).get("media_urls"):
            activity["media_urls"] = row.meta["media_urls"]
        casestore_client.add_activity(app, number, activity)
        addresses.close_notice(app, notice.id)
        return [{"text": f"Thank you, we added that to case {number}."}]
    return None
