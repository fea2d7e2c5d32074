"""The refiner's decisions as pure functions (no Rasa objects), so they are tested directly.

``refine`` combines DIET's ranking with the linear model's probabilities (for
the whole message and, for a long one, for each piece) and then applies the
rules that must not depend on a classifier: danger to people, case numbers,
"nobody is in danger". ``first_problem_first`` applies the evaluation's rule for a
message that reports two problems: it is about the one named first.
"""

from __future__ import annotations

import re

from bot.actions.emergency import denies_danger, detect, says_all_clear
from bot.actions.parsing import find_case_number

# What a resident wants done; small talk in a long story ("thanks so much",
# "hi") is never its point.
SMALL_TALK = frozenset(
    {"greet", "goodbye", "thanks", "affirm", "deny", "inform", "skip", "retry", "cancel"}
)
ABOUT_A_CASE = ("check_status", "add_info", "withdraw_case")
RANKING_LENGTH = 10

_NEW_REPORT = re.compile(
    r"(?i)\b(?:(?:a|an|another|new|different|second|separate|other)\s+"
    r"(?:problem|issue|report|complaint|one|thing)|also (?:want|need) to report|"
    r"(?:otro|nuevo|nueva) (?:problema|reporte|caso))\b"
)
_WITHDRAW = re.compile(
    r"(?i)\b(?:withdraw\w*|by (?:accident|mistake)|"
    r"(?:cancel|close|drop|delete|take back)\w* (?:my |the |that |this )?"
    r"(?:report|case|request|ticket)|(?:no longer|not) need(?:ed)?|"
    r"(?:already|got it) (?:fixed|taken care of|handled|hauled|picked up)|"
    r"cancel\w* (?:mi |el |este |ese )?(?:reporte|caso)|por error|"
    r"ya no (?:hace falta|es necesario))"
)
# Asking outright to cancel: outranks a status reading. The softer withdrawal words
# ("already fixed") are often a question about the case ("ya lo arreglaron?").
_CANCEL = re.compile(r"(?i)\b(?:withdraw\w*|cancel\w*|by (?:accident|mistake)|por error)")
_UPDATE = re.compile(
    r"(?i)\b(?:worse|still|again|getting bigger|another photo|adding|add (?:a|this)|"
    r"more info|update (?:on|to) (?:it|that)|peor|todav[ií]a)\b"
)
_STATUS = re.compile(
    r"(?i)\b(?:status|update|news|any word|what happened|when will|how long|progress|"
    r"estado|cu[aá]ndo|qu[eé] pas[oó])\b"
)


# Two problems in one message: the joints residents use between them. An explicit
# one ("also", "plus", "btw", "y también", "... too") makes the first clause count
# even when the classifier is only fairly sure of it; a plain "and the" or ", and my"
# only when it is sure, because most such sentences tell one problem.
_EXPLICIT_JOINT = re.compile(
    r"(?i),?\s+(?:and also|also|plus|oh and|btw|by the way|another thing is|another thing|"
    r"while (?:you'?re|ur|your) at it|on top of that|as well as|y tambi[eé]n|tambi[eé]n|"
    r"adem[aá]s|y tampoco)\b[,:]?\s*"
    r"|\s+[+&]\s+"
    r"|(?<=[.!?;])\s+(?=[^.!?;]*\b(?:also|too|as well|another|tambi[eé]n|adem[aá]s|tampoco)\b)"
    r"|\s+and (?=[^.!?;]*\btoo\b)"
)
_PLAIN_JOINT = re.compile(
    _EXPLICIT_JOINT.pattern
    + r"|,\s+and\s+(?=(?:the|there|their|my|our|a|an|some|somebody|someone|they)\b)"
    r"|\s+and\s+(?=(?:the|there|their)\b)"
)
FIRST_SURE = {"explicit": 0.3, "plain": 0.7}  # the first clause's linear probability
FIRST_RATIO = 0.2  # the first problem's share of the whole message, against the top's


def problem_clauses(text: str) -> tuple[list[str], str]:
    """The clauses of a message that may name two problems, and how they were joined.

    Returns ``([], "")`` for a message of one clause.
    """
    for kind, joint in (("explicit", _EXPLICIT_JOINT), ("plain", _PLAIN_JOINT)):
        parts = [p.strip(" ,") for p in joint.split(text) if p and p.strip(" ,")]
        parts = [p for p in parts if len(p.split()) >= 3]
        if len(parts) >= 2:
            return parts, kind
    return [], ""


def first_problem_first(
    scores: dict[str, float], first_clause: dict[str, float], kind: str
) -> dict[str, float]:
    """When a report names two problems, the first one named is the report.

    ``first_clause`` is the linear model's reading of the message's first clause
    (see ``problem_clauses``). The classifiers read the whole message as a bag of
    words, so the second problem often wins; it swaps places with the first when
    the first clause is clearly about another service and the whole message
    gives that service a fair share.
    """
    if not scores or not first_clause or kind not in FIRST_SURE:
        return scores
    top = max(scores, key=scores.get)
    if not top.startswith("report_"):
        return scores
    reports = {k: v for k, v in first_clause.items() if k.startswith("report_")}
    if not reports:
        return scores
    first = max(reports, key=reports.get)
    if (
        first == top
        or reports[first] < FIRST_SURE[kind]
        or scores.get(first, 0.0) < FIRST_RATIO * scores[top]
    ):
        return scores
    return {**scores, first: scores[top], top: scores.get(first, 0.0)}


def normalise(scores: dict[str, float]) -> dict[str, float]:
    """Scale scores to sum to one (an empty or all-zero dict stays as it is)."""
    total = sum(scores.values())
    return {k: v / total for k, v in scores.items()} if total > 0 else dict(scores)


def combine(
    diet: dict[str, float],
    whole: dict[str, float],
    pieces: list[dict[str, float]],
    linear_weight: float,
) -> dict[str, float]:
    """Mix DIET and the linear model; for a long message, add its most telling piece."""
    if not whole:
        return dict(diet)
    names = set(diet) | set(whole)
    mixed = {
        n: (1 - linear_weight) * diet.get(n, 0.0) + linear_weight * whole.get(n, 0.0)
        for n in names
    }
    if pieces:
        best: dict[str, float] = {}
        for probs in pieces:
            for name, p in probs.items():
                if name not in SMALL_TALK and p > best.get(name, 0.0):
                    best[name] = p
        # A long message is about a goal, not small talk: its pieces vote as much
        # as the whole, and the small-talk share is dropped.
        mixed = {
            n: 0.0 if n in SMALL_TALK else 0.5 * mixed.get(n, 0.0) + 0.5 * best.get(n, 0.0)
            for n in set(mixed) | set(best)
        }
    return normalise(mixed)


def _top(scores: dict[str, float], names: tuple[str, ...]) -> str:
    return max(names, key=lambda n: scores.get(n, 0.0))


def apply_rules(text: str, scores: dict[str, float]) -> tuple[str, float] | None:
    """The intent the rules impose, with its confidence, or None to keep the classifiers'."""
    top = max(scores, key=scores.get) if scores else None
    if detect(text):
        return "emergency", 1.0
    if find_case_number(text).number and not _NEW_REPORT.search(text):
        # Asking outright to cancel outranks a status reading ("cancelen mi caso
        # 26000001, ya pasaron"); news about the case (add_info) keeps the classifiers'.
        # So does "cancel" read as stopping the conversation ("nvm cancel my reprt
        # 26-011456"): nobody gives a case number to stop a form.
        if top in ("check_status", "withdraw_case", "cancel") and _CANCEL.search(text):
            return "withdraw_case", 0.95
        if top in ABOUT_A_CASE:
            return None
        if _WITHDRAW.search(text):
            return "withdraw_case", 0.95
        if top and (top.startswith("report_") or top in SMALL_TALK or top == "out_of_scope"):
            if _UPDATE.search(text) and not _STATUS.search(text):
                return "add_info", 0.9
            return "check_status", 0.9
    if says_all_clear(text) and not (top or "").startswith("report_") and top != "emergency":
        return "all_clear", 1.0
    return None


def refine(
    text: str,
    diet: dict[str, float],
    whole: dict[str, float],
    pieces: list[dict[str, float]],
    linear_weight: float,
    first_clause: dict[str, float] | None = None,
    joint: str = "",
) -> tuple[dict, list[dict]]:
    """Return Rasa's ``intent`` and ``intent_ranking`` values for this message.

    ``first_clause`` and ``joint`` describe a message that may report two
    problems (``problem_clauses``); without them it is read as one.
    """
    scores = combine(diet, whole, pieces, linear_weight)
    scores = first_problem_first(scores, first_clause or {}, joint)
    if scores and max(scores, key=scores.get) == "emergency" and denies_danger(text):
        # No danger cue and the resident says there is none: the classifier went by
        # words like "wire" or "transformer"; the next intent (or the unsure answer,
        # which still ends with the 911 line) decides. The emergency share goes to the
        # others in proportion: ruling danger out makes the rest more likely, not less.
        scores = normalise({**scores, "emergency": 0.0})
    imposed = apply_rules(text, scores)
    if imposed:
        # The others keep the classifiers' scores: what they saw (the service a
        # danger message was also about) is still needed, e.g. to hold the report.
        name, confidence = imposed
        scores = {**scores, name: confidence}
    ranking = [
        {"name": name, "confidence": round(conf, 6)}
        for name, conf in sorted(scores.items(), key=lambda kv: -kv[1])[:RANKING_LENGTH]
    ]
    intent = ranking[0] if ranking else {"name": None, "confidence": 0.0}
    return dict(intent), ranking
