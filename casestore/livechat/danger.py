"""Danger to life in a waiting resident's line: tell them to call 911 and flag the chat.

Residents waiting in the live-chat queue type lines that never reach the
assistant, so the case store checks them itself, against the same cues the
assistant uses: ``config/emergency.yml`` (path from ``EMERGENCY_CUES``; its
header explains the matching). This is the case store's own small reader of
that file (casestore and bot do not import each other); read once, on first
use. When a line names a danger, the resident is told at once
(``danger_text()``, stored on the chat as a system line and sent with the
routing answer's replies) and ``details["danger"]`` records the kind, which
the console shows with the chat's details.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from pathlib import Path

import yaml
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import REPO_ROOT
from ..logs import get_logger
from ..models import LiveChat, LiveChatMessage
from .notify import chat_language, line

log = get_logger("casestore.livechat")

def danger_text(language: str | None = None) -> str:
    """The 911 line (``chat/danger.txt``; names the catalog city's short name)."""
    return line("danger", language)
_APOSTROPHES = dict.fromkeys("\u2018\u2019\u201b\u02bc\u00b4\u0060\u2032\uff07", "'")
_lock = threading.Lock()
_cues: tuple[list[tuple[str, list[tuple[re.Pattern[str], bool]]]], list[re.Pattern[str]]] | None
_cues = None


def _plain(text: str, fold_case: bool = True) -> str:
    """Fold compatibility forms, drop accents and format characters, straighten apostrophes."""
    out = []
    # A pattern keeps its case: casefolding would turn the escapes \S, \W, \D into
    # their opposites (the patterns are matched ignoring case anyway).
    for ch in unicodedata.normalize("NFKD", text.casefold() if fold_case else text):
        if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
            continue
        out.append(_APOSTROPHES.get(ch, ch))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _load() -> tuple[list, list]:
    configured = current_app.config.get("EMERGENCY_CUES") if has_app_context() else None
    path = Path(configured or REPO_ROOT / "config" / "emergency.yml")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fragments = {k: "(?:" + "|".join(map(str, v)) + ")"
                 for k, v in (data.get("fragments") or {}).items()}

    def compile_(pattern: str) -> re.Pattern[str]:
        for _ in range(5):
            pattern = re.sub(r"%([a-z_]+)%", lambda m: fragments[m.group(1)], pattern)
        return re.compile(rf"(?<!\w)(?:{_plain(pattern, fold_case=False)})(?!\w)",
                          re.IGNORECASE)

    kinds = [(kind, [(compile_(p), True) for p in (spec or {}).get("strong") or []]
              + [(compile_(p), False) for p in (spec or {}).get("patterns") or []])
             for kind, spec in (data.get("kinds") or {}).items()]
    return kinds, [compile_(p) for p in data.get("exclusions") or []]


def danger_kind(text: str) -> str | None:
    """The kind of danger ``text`` names ("weapon", "medical"...), or None."""
    global _cues
    with _lock:
        if _cues is None:
            _cues = _load()
        kinds, exclusions = _cues
    norm = _plain(text or "")[:20_000]
    spans = [m.span() for pattern in exclusions for m in pattern.finditer(norm)]
    for kind, patterns in kinds:
        for pattern, strong in patterns:
            for match in pattern.finditer(norm):
                if strong or not any(match.start() < e and s < match.end() for s, e in spans):
                    return kind
    return None


def check_waiting_line(session: Session, chat: LiveChat, text: str,
                       now: dt.datetime) -> list[dict[str, str]]:
    """For a waiting chat whose new line names a danger: flag it, store and return the 911 line.

    Returns the replies to send the resident first (empty when there is no
    danger or the chat is not waiting). Commits.
    """
    if chat.status != "waiting":
        return []
    kind = danger_kind(text)
    if kind is None:
        return []
    chat.details = {**(chat.details or {}), "danger": kind.replace("_", " ")}
    # Sent with the routing answer, which the channels deliver at once: stored as delivered.
    text_911 = danger_text(chat_language(chat))
    session.add(LiveChatMessage(chat_id=chat.id, sender="system", text=text_911,
                                created_at=now, delivered_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    log.warning("live_chat_danger", chat=chat.id, kind=kind)
    return [{"text": text_911}]
