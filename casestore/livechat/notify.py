"""What the resident is told during a live chat, and how it reaches them.

Lines go out through the channels internal app's ``POST /internal/send`` (the same
path as case notices), on the resident's own channel; for web chat that
appends to the transcript the widget polls. A failed send is logged by chat
id only (never the address) and left undelivered on the chat for the agent
to see; nothing is lost.
"""

from __future__ import annotations

from ..logs import get_logger
from ..models import StaffUser
from ..notifier import send_channel_message

log = get_logger("casestore.livechat")


def first_name(agent: StaffUser) -> str:
    """The agent's first name: how they introduce themselves to residents."""
    return (agent.name or "An agent").split()[0]


def queued_text(position: int, minutes: int) -> str:
    """Told when the chat joins the queue."""
    ahead = "You're next in line" if position <= 1 else f"You're number {position} in line"
    return (f"I'm connecting you with a 311 agent. {ahead}; the wait is about {minutes} "
            f"minute{'s' if minutes != 1 else ''}. The agent will see what you've told me "
            "so far, and anything you send now goes to them. To stop waiting, send ASSISTANT.")


def left_text() -> str:
    """Told when the resident leaves the queue."""
    return "OK, you left the queue. You're back with the ATL311 assistant: how can I help?"


def still_waiting_text(position: int) -> str:
    """Told for each message sent while the chat is still in the queue."""
    return (f"Thanks, the agent will see that. You're number {max(position, 1)} in line; "
            "please stay with us.")


def _available(hours: str) -> str:
    return f"available {hours}" if hours else "not available at the moment"


def closed_text(hours: str) -> str:
    """Told when the chat is asked for outside staffed hours."""
    return (f"Our 311 agents are {_available(hours)}, so nobody can chat right now. "
            "I can keep helping you here (for example to report a problem), or reply with "
            "a phone number and an agent will call you back. We kept everything you wrote.")


def timeout_text(settings) -> str:
    """Told when no agent took the chat within the wait timeout."""
    return ("Sorry, no agent was free to take your chat. We kept everything you wrote. "
            "You can keep going with the assistant here (for example to report a problem), "
            "or reply with a phone number and an agent will call you back "
            f"(agents are {_available(settings.hours_text)}).")


def callback_text(settings) -> str:
    """Told when the resident left a call-back number."""
    return (f"Thank you. An agent will call you back (agents are "
            f"{_available(settings.hours_text)}). "
            "You can keep chatting with the assistant here meanwhile.")


def taken_text(agent: StaffUser) -> str:
    """Told when an agent takes the chat."""
    return (f"You're now chatting with {first_name(agent)}, a 311 agent. "
            "They can see what you told the assistant.")


def agent_line(agent: StaffUser, text: str) -> str:
    """An agent's reply as the resident sees it, signed with the agent's first name."""
    return f"{first_name(agent)} (311 agent): {text}"


def handback_text(agent: StaffUser) -> str:
    """Told when the agent ends the chat: the assistant is back."""
    return (f"{first_name(agent)} has ended the chat. You're back with the ATL311 assistant: "
            "tell me if there is anything else I can help with.")


def case_filed_text(number: str) -> str:
    """Told when the agent files a case from the chat."""
    display = f"{number[:2]}-{number[2:]}"
    return f"Your case number is {display}. You can check on it any time with that number."


def deliver(address: str, text: str, *, chat_id: int) -> bool:
    """Send ``text`` to the resident's channel address; False (logged) when it failed."""
    try:
        send_channel_message(address, text)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the line undelivered
        log.warning("live_chat_send_failed", chat=chat_id, error=type(exc).__name__)
        return False
    return True
