"""The channel address, ``<channel>:<id>``: who a message came from and where a reply goes.

``sms:+14045550123``, ``whatsapp:+14045550123``, ``voice:CA…`` (a call),
``telegram:<chat id>``, ``messenger:<page-scoped id>``, ``webchat:<session id>``.
It is Rasa's sender id, the inbox's ``sender``, the key of per-sender state
(``channels.senders``) and the ``to`` of ``POST /internal/send``. Written here
once; every webhook builds its addresses with ``make``.
"""

from __future__ import annotations

import re

# What a web chat session id may look like where one is only named (live chat
# state, notices); new sessions are longer (channels.webchat issues 22 characters).
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,100}$")

# The ids of the channels a message can reach later, outside a webhook's answer.
# A call (``voice:``) cannot: it ends when the caller hangs up.
_REACHABLE_IDS = {
    "sms": r"\+\d{6,15}",
    "whatsapp": r"\+\d{6,15}",
    "telegram": r"-?\d{1,20}",
    "messenger": r"\d{1,40}",
    "webchat": SESSION_ID.pattern[1:-1],
}
REACHABLE = re.compile(
    "^(?:" + "|".join(f"{channel}:{ident}" for channel, ident in _REACHABLE_IDS.items()) + ")$"
)
EXAMPLE = "sms:+14045550123"


def make(channel: str, ident: str) -> str:
    """``make("sms", "+1404…")`` -> ``sms:+1404…``."""
    return f"{channel}:{ident}"


def channel_of(address: str) -> str:
    """``sms:+1404…`` -> ``sms``."""
    return address.split(":", 1)[0]


def ident_of(address: str) -> str:
    """``telegram:123`` -> ``123`` (empty when the address has no ``:``)."""
    return address.split(":", 1)[1] if ":" in address else ""


def is_reachable(address: object) -> bool:
    """True for a well-formed address of a channel a message can be sent to later."""
    return isinstance(address, str) and REACHABLE.fullmatch(address) is not None
