"""What the resident is told during a live chat, and how it reaches them.

The wording is in templates, ``casestore/templates/chat/<line>.txt``, one line
each, which a city overrides one file at a time from ``NOTICE_TEMPLATES_DIR``
(a ``chat/`` folder beside its ``email/`` one; notices.py's template
environment, so both are found the same way). Each function below names its
template and the variables it gets; every template also gets ``city`` (the
catalog's ``city:`` block).

Lines go out through the channels internal app's ``POST /internal/send``
(``casestore.channels_client``, the same way as case notices), on the
resident's own channel; for web chat that appends to the transcript the widget
polls. A failed send is logged by chat id only (never the address) and left
undelivered on the chat for the agent to see; nothing is lost.
"""

from __future__ import annotations

from ..catalog import get_catalog
from ..channels_client import send_channel_message
from ..logs import get_logger
from ..models import StaffUser
from ..notices import template_environment

log = get_logger("casestore.livechat")


def line(name: str, **context) -> str:
    """Render ``chat/<name>.txt`` (the city's override first) with ``context`` and ``city``."""
    template = template_environment().get_template(f"chat/{name}.txt")
    text = template.render(city=get_catalog().city, **context)
    # The file's own final newline is not part of the line (the values' newlines are).
    return text[:-1] if text.endswith("\n") else text


def first_name(agent: StaffUser) -> str:
    """The agent's first name: how they introduce themselves to residents."""
    return (agent.name or "An agent").split()[0]


def queued_text(position: int, minutes: int) -> str:
    """Told when the chat joins the queue (``queued``: ``position``, ``minutes``)."""
    return line("queued", position=position, minutes=minutes)


def left_text() -> str:
    """Told when the resident leaves the queue (``left``)."""
    return line("left")


def still_waiting_text(position: int) -> str:
    """Told for each message sent while the chat is still in the queue (``still_waiting``)."""
    return line("still_waiting", position=max(position, 1))


def closed_text(hours: str) -> str:
    """Told when the chat is asked for outside staffed hours (``closed``: ``hours``)."""
    return line("closed", hours=hours)


def timeout_text(settings) -> str:
    """Told when no agent took the chat within the wait timeout (``timeout``: ``hours``)."""
    return line("timeout", hours=settings.hours_text)


def callback_text(settings) -> str:
    """Told when the resident left a call-back number (``callback``: ``hours``)."""
    return line("callback", hours=settings.hours_text)


def taken_text(agent: StaffUser) -> str:
    """Told when an agent takes the chat (``taken``: ``agent``, the first name)."""
    return line("taken", agent=first_name(agent))


def agent_line(agent: StaffUser, text: str) -> str:
    """An agent's reply as the resident sees it (``agent_line``: ``agent``, ``text``)."""
    return line("agent_line", agent=first_name(agent), text=text)


def handback_text(agent: StaffUser) -> str:
    """Told when the agent ends the chat: the assistant is back (``handback``: ``agent``)."""
    return line("handback", agent=first_name(agent))


def case_filed_text(number: str) -> str:
    """Told when the agent files a case from the chat (``case_filed``: ``number``, grouped)."""
    return line("case_filed", number=f"{number[:2]}-{number[2:]}")


def deliver(address: str, text: str, *, chat_id: int) -> bool:
    """Send ``text`` to the resident's channel address; False (logged) when it failed."""
    try:
        send_channel_message(address, text)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the line undelivered
        log.warning("live_chat_send_failed", chat=chat_id, error=type(exc).__name__)
        return False
    return True
