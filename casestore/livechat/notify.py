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

Lines speak the chat's language (``chat_language``: the ``language`` the handoff
sent, kept in the chat's details; the default language when none): the templates
mark their text for gettext (``casestore/translations``), and each function
below takes ``language``.
"""

from __future__ import annotations

from flask_babel import gettext

from ..catalog import get_catalog
from ..channels_client import send_channel_message
from ..i18n import N_, in_language, languages
from ..logs import get_logger
from ..models import LiveChat, StaffUser
from ..notices import template_environment

log = get_logger("casestore.livechat")

# The word a waiting resident sends to leave the queue, as chat/queued.txt names it.
LEAVE_WORD = N_("ASSISTANT")


def leave_words() -> set[str]:
    """The leave word in each of the catalog's languages, casefolded ("assistant", "asistente")."""
    words = set()
    for code in languages():
        with in_language(code):
            words.add(gettext(LEAVE_WORD).casefold())
    return words


def chat_language(chat: LiveChat | None) -> str | None:
    """The language the chat's resident speaks (None: the catalog's default)."""
    return (chat.details or {}).get("language") if chat is not None else None


def line(name: str, language: str | None = None, **context) -> str:
    """Render ``chat/<name>.txt`` (the city's override first) in ``language``, with
    ``context`` and ``city``. A value that is a settings object (``hours``) is read
    inside the language, so the staffed hours are worded in it too."""
    template = template_environment().get_template(f"chat/{name}.txt")
    with in_language(language):
        if "hours" in context:
            context["hours"] = getattr(context["hours"], "hours_text", context["hours"])
        text = template.render(city=get_catalog().city, **context)
    # The file's own final newline is not part of the line (the values' newlines are).
    return text[:-1] if text.endswith("\n") else text


def first_name(agent: StaffUser) -> str:
    """The agent's first name: how they introduce themselves to residents."""
    return (agent.name or "An agent").split()[0]


def queued_text(position: int, minutes: int, language: str | None = None) -> str:
    """Told when the chat joins the queue (``queued``: ``position``, ``minutes``)."""
    return line("queued", language, position=position, minutes=minutes)


def left_text(language: str | None = None) -> str:
    """Told when the resident leaves the queue (``left``)."""
    return line("left", language)


def still_waiting_text(position: int, language: str | None = None) -> str:
    """Told for each message sent while the chat is still in the queue (``still_waiting``)."""
    return line("still_waiting", language, position=max(position, 1))


def closed_text(hours, language: str | None = None) -> str:
    """Told when the chat is asked for outside staffed hours (``closed``: ``hours``;
    pass the settings rather than their ``hours_text`` to have the hours in ``language``)."""
    return line("closed", language, hours=hours)


def timeout_text(settings, language: str | None = None) -> str:
    """Told when no agent took the chat within the wait timeout (``timeout``: ``hours``)."""
    return line("timeout", language, hours=settings)


def callback_text(settings, language: str | None = None) -> str:
    """Told when the resident left a call-back number (``callback``: ``hours``)."""
    return line("callback", language, hours=settings)


def taken_text(agent: StaffUser, language: str | None = None) -> str:
    """Told when an agent takes the chat (``taken``: ``agent``, the first name)."""
    return line("taken", language, agent=first_name(agent))


def agent_line(agent: StaffUser, text: str, language: str | None = None) -> str:
    """An agent's reply as the resident sees it (``agent_line``: ``agent``, ``text``)."""
    return line("agent_line", language, agent=first_name(agent), text=text)


def handback_text(agent: StaffUser, language: str | None = None) -> str:
    """Told when the agent ends the chat: the assistant is back (``handback``: ``agent``)."""
    return line("handback", language, agent=first_name(agent))


def case_filed_text(number: str, language: str | None = None) -> str:
    """Told when the agent files a case from the chat (``case_filed``: ``number``, grouped)."""
    return line("case_filed", language, number=f"{number[:2]}-{number[2:]}")


def deliver(address: str, text: str, *, chat_id: int) -> bool:
    """Send ``text`` to the resident's channel address; False (logged) when it failed."""
    try:
        send_channel_message(address, text)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the line undelivered
        log.warning("live_chat_send_failed", chat=chat_id, error=type(exc).__name__)
        return False
    return True
