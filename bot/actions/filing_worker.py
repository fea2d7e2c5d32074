"""Files the reports queued while the case store was down, then tells each resident.

Runs inside the action server process (``bot/actions/serve.py`` starts
``run_worker`` as an asyncio task once the server is up); every blocking step
(database, case store, channels app) runs in a worker thread, so the event loop
that answers Rasa never waits for it. Each pass takes the due rows of
``bot.actions.pending``, oldest first:

1. ``file``: ``POST /api/v1/cases`` with the row's body and idempotency key.
   Created, or the same case again (the key), -> ``notify`` with the case
   number. Unreachable, timeout or 5xx -> retried after ``PENDING_RETRY_SECONDS``
   doubling up to ``PENDING_MAX_BACKOFF_SECONDS``. Any other refusal (4xx) ->
   ``notify`` with "could not be filed, please call 311".
2. ``notify``: ``POST CHANNELS_INTERNAL_URL/internal/send`` with ``to`` = the
   resident's channel address (a phone call's number gets a text), ``text``
   = the notice, ``dedupe_key`` = ``queued-report:`` + a hash of the
   idempotency key; bearer ``CHANNELS_INTERNAL_TOKEN`` (default: the file
   ``var/channels_internal_token`` that ``flask --app casestore init`` makes).
   200 -> done; 409 (the address said STOP), 400 or 422 (no way to reach it)
   -> done with the reason kept; anything else -> retried like filing.

Exactly once: the case store returns the same case for the same key, so a
crash after filing files nothing twice. A crash after the notice was sent but
before the row was marked makes the worker send it again when the lease
(``pending.LEASE``) ends: the channels app recognises the ``dedupe_key`` and
answers 200 without sending twice (were that memory lost, the resident would
get the notice at most once more per crash). Logs carry row ids, case numbers
and error kinds, never the address or the report.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

import requests

from bot.actions import casestore_client as store
from bot.actions import pending, settings
from bot.actions.context import format_date
from bot.actions.parsing import format_case_number
from bot.actions.status import localized_names
from bot.actions.texts import N_, translation

logger = logging.getLogger(__name__)

NOTICE_CHANNELS = ("sms", "whatsapp", "telegram", "messenger", "webchat")
REFUSED_NOTICE = N_(
    "We're sorry: the report you confirmed earlier could not be filed by the City's case "
    "system. Please tell me about it again, or call 311."
)


def poll_seconds() -> float:
    """``PENDING_POLL_SECONDS`` (default 5): how often the worker looks for due rows."""
    return settings.current().PENDING_POLL_SECONDS


def retry_seconds() -> float:
    """``PENDING_RETRY_SECONDS`` (default 5): the first wait after a failed attempt."""
    return settings.current().PENDING_RETRY_SECONDS


def max_backoff_seconds() -> float:
    """``PENDING_MAX_BACKOFF_SECONDS`` (default 300): the longest wait between attempts."""
    return settings.current().PENDING_MAX_BACKOFF_SECONDS


def channels_internal_url() -> str:
    """``CHANNELS_INTERNAL_URL`` (default ``http://localhost:8001``): the channels app's
    internal bind, where ``/internal/send`` is served."""
    return settings.current().CHANNELS_INTERNAL_URL


def channels_token() -> str:
    """``ACTIONS_CHANNELS_TOKEN``, else the file ``var/actions_channels_token``.

    The action server's own token towards the channels' internal app, not the
    case store's: one token per caller.
    """
    # Read per call: operators may rotate it without restarting the action server.
    token = settings.presented_token(settings.current().ACTIONS_CHANNELS_TOKEN)
    path = pending.ROOT / "var" / "actions_channels_token"
    if not token and path.is_file():
        token = path.read_text().strip()
    return token


def dedupe_key(idempotency_key: str) -> str:
    """The notice's key for the channels app: the same report, the same key, one send."""
    return "queued-report:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


def filed_text(case: dict, language: str = "en") -> str:
    """The case number, department and expected date, as the resident hears them (blocking:
    the department is named from the catalog in ``language``)."""
    _ = translation(language)
    expected = format_date(case.get("expected_at"), language)
    department = (
        localized_names(case, language)[1]
        or case.get("department_name")
        or case.get("department")
    )
    values = {
        "number": format_case_number(case["case_number"]),
        "department": department,
        "date": expected,
    }
    if expected:
        return _(
            "Your case number is {number}. It went to the {department}; expect action by {date}."
        ).format(**values)
    return _("Your case number is {number}. It went to the {department}.").format(**values)


def notice_address(sender: str) -> str | None:
    """Where the notice goes: the sender's own address; a caller's number gets a text."""
    channel, _, ident = sender.partition(":")
    if channel == "voice" and ident.startswith("+"):
        return f"sms:{ident}"
    return sender if channel in NOTICE_CHANNELS and ident else None


def file_row(row: dict) -> None:
    """Step 1 for a claimed row: file it with its key (blocking); the notice is written in
    the body's ``language`` (the conversation's, when it was queued)."""
    _ = translation((row["body"] or {}).get("language"))
    language = (row["body"] or {}).get("language") or "en"
    try:
        case = store.create_case(row["body"] or {}, row["idempotency_key"])
    except store.CaseStoreUnavailableError as exc:
        pending.retry_later(row, f"casestore {exc.message}", retry_seconds(), max_backoff_seconds())
        logger.warning("queued report %s: case store still unavailable (attempt %s)",
                       row["id"], int(row["attempts"]) + 1)
        return
    except store.CaseStoreError as exc:
        logger.warning("queued report %s refused by the case store: %s %s",
                       row["id"], exc.status, exc.code)
        pending.mark_filed(row["id"], None, _(REFUSED_NOTICE))
        return
    number = case["case_number"]
    notice = _("Your report is filed now.") + " " + filed_text(case, language)
    pending.mark_filed(row["id"], number, notice)
    logger.info("queued report %s filed as case %s (%s)", row["id"], number, row["service_code"])


def notify_row(row: dict) -> None:
    """Step 2 for a claimed row: send the notice through the channels app (blocking)."""
    address = notice_address(row["sender"])
    if address is None:
        pending.mark_done(row["id"], "no channel address")
        logger.info("queued report %s: no channel to tell", row["id"])
        return
    try:
        response = requests.post(
            f"{channels_internal_url()}/internal/send",
            json={
                "to": address,
                "text": row["notice"],
                "dedupe_key": dedupe_key(row["idempotency_key"]),
            },
            headers={"Authorization": f"Bearer {channels_token()}"},
            timeout=(3.0, 10.0),
        )
    except requests.RequestException as exc:
        pending.retry_later(row, f"channels {type(exc).__name__}", retry_seconds(),
                            max_backoff_seconds())
        logger.warning("queued report %s: notice not sent (%s)", row["id"], type(exc).__name__)
        return
    if response.status_code == 200:
        pending.mark_done(row["id"])
        logger.info("queued report %s: resident told (case %s)", row["id"], row["case_number"])
    elif response.status_code in (400, 409, 422):
        # STOP, or an address no API reaches: retrying would never succeed.
        pending.mark_done(row["id"], f"channels {response.status_code}")
        logger.warning("queued report %s: notice undeliverable (%s)", row["id"],
                       response.status_code)
    else:
        pending.retry_later(row, f"channels {response.status_code}", retry_seconds(),
                            max_backoff_seconds())
        logger.warning("queued report %s: notice refused (%s)", row["id"], response.status_code)


def process_due(limit: int = 20) -> int:
    """One pass over the due rows (blocking); returns how many rows it took."""
    taken = 0
    for row in pending.due(limit):
        if not pending.claim(row):
            continue  # another worker, or the resident's own retry, has it
        taken += 1
        if row["state"] == "file":
            file_row(row)
            row = pending.get(row["id"]) or {}
            if row.get("state") != "notify" or not pending.claim(row):
                continue
        notify_row(row)
    return taken


_wake: asyncio.Event | None = None


def wake() -> None:
    """Ask the running worker (if any, in this process) to look now rather than at its next poll."""
    if _wake is not None:
        _wake.set()


async def run_worker() -> None:
    """Process due rows every ``PENDING_POLL_SECONDS`` until cancelled."""
    global _wake
    _wake = asyncio.Event()
    logger.info("queued-report worker started")
    while True:
        try:
            await asyncio.to_thread(process_due)
        except Exception as exc:  # a broken pass (database away) must not end the worker
            logger.warning("queued-report pass failed: %s", type(exc).__name__)
        try:
            await asyncio.wait_for(_wake.wait(), timeout=poll_seconds())
        except asyncio.TimeoutError:
            pass
        _wake.clear()
