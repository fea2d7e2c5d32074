"""Evaluate the running assistant's understanding against a labelled message set.

    .venv/bin/python bench/nlu_eval.py --data bench/eval/eval.yml \
        [--rasa-url http://localhost:5005] [--token TOKEN] [--errors]

FILE is a YAML list of ``{text, lang?, expect: {goal, service_code?, case_number?,
address?, topic?}}`` (unknown keys are ignored). Each text goes to Rasa's
``/model/parse``; the model's intent is mapped onto a goal the way the
assistant acts on it:

- ``report_<code>`` -> goal ``report``, service ``<code>`` (but ``emergency``
  when the words name an emergency: action_start_report answers 911 then);
- ``check_status`` -> ``status``; ``referral_power``/``referral_animal`` ->
  ``referral`` with topic power/animal; ``retry`` -> ``affirm``; ``skip`` -> ``deny``;
  ``nlu_fallback`` -> ``out_of_scope`` (the bot says it is unsure and offers the
  choices); the other intents keep their names (``inform`` matches no goal).

Case numbers are read the way action_check_status reads them (the regex
entity, else the words, so spoken digits count); addresses the way
action_start_report finds them (bot.actions.addresses). Prints goal accuracy,
service accuracy, macro-F1 over goals, the most confused pairs, case-number and
address extraction accuracy, and one summary line last.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.actions.addresses import check_address, find_address  # noqa: E402
from bot.actions.parsing import find_case_number, mentions_emergency  # noqa: E402

# nlu_fallback: the assistant says it is unsure and offers the choices, its
# out-of-scope behaviour, so it counts as out_of_scope (and is wrong elsewhere).
RENAMED = {
    "check_status": "status",
    "retry": "affirm",
    "skip": "deny",
    "nlu_fallback": "out_of_scope",
}
SUFFIXES = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "BOULEVARD": "BLVD",
    "PARKWAY": "PKWY",
    "LANE": "LN",
    "PLACE": "PL",
    "COURT": "CT",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "JUNIOR": "JR",
}


def to_goal(intent: str, text: str) -> tuple[str, str | None, str | None]:
    """Map an intent to ``(goal, service_code, topic)`` as the assistant acts on it."""
    if intent.startswith("report_"):
        if mentions_emergency(text):
            return "emergency", None, None
        return "report", intent.removeprefix("report_"), None
    if intent.startswith("referral_"):
        return "referral", None, intent.removeprefix("referral_")
    return RENAMED.get(intent, intent), None, None


def address_key(value: str | None) -> str:
    """Compare addresses loosely: upper case, no punctuation, standard abbreviations."""
    words = re.sub(r"[^\w\s&]", " ", (value or "").upper()).split()
    return " ".join(SUFFIXES.get(w, w) for w in words)


def predicted_address(text: str) -> str | None:
    """The location action_start_report would keep from this message."""
    found = find_address(text)
    return check_address(found).value if found else None


def predicted_case_number(text: str, entities: list[dict]) -> str | None:
    """The case number action_check_status would look up."""
    for entity in entities:
        if entity.get("entity") == "case_number":
            number = find_case_number(str(entity.get("value", ""))).number
            if number:
                return number
    return find_case_number(text).number


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the expected labels."""
    labels = sorted({e for e, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def default_token() -> str:
    """``RASA_AUTH_TOKEN``, else the token file bin/run created."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    path = Path(__file__).resolve().parent.parent / "var" / "rasa_token"
    return token or (path.read_text().strip() if path.exists() else "")


def pct(hits: int, total: int) -> str:
    """Format a ratio as a percentage with its counts."""
    return f"{100 * hits / total:.1f}% ({hits}/{total})" if total else "n/a (0)"


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the report; the exit code is 0 unless Rasa failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="YAML evaluation set")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    parser.add_argument("--token", default=None, help="Rasa API token (default RASA_AUTH_TOKEN)")
    parser.add_argument("--errors", action="store_true", help="list every misclassified message")
    args = parser.parse_args(argv)
    token = args.token if args.token is not None else default_token()
    items = yaml.safe_load(Path(args.data).read_text()) or []
    session = requests.Session()

    goal_pairs: list[tuple[str, str]] = []
    by_lang: dict[str, list[bool]] = {}
    fine_confusions: Counter = Counter()
    service, case, address, topic = [0, 0], [0, 0], [0, 0], [0, 0]
    errors = []
    for item in items:
        text, expect = str(item["text"]), item.get("expect") or {}
        response = session.post(
            f"{args.rasa_url.rstrip('/')}/model/parse",
            params={"token": token},
            json={"text": text},
            timeout=60,
        )
        response.raise_for_status()
        parsed = response.json()
        intent = (parsed.get("intent") or {}).get("name") or "nlu_fallback"
        goal, service_code, got_topic = to_goal(intent, text)
        goal_pairs.append((expect["goal"], goal))
        by_lang.setdefault(str(item.get("lang") or "en"), []).append(expect["goal"] == goal)
        expected_fine = expect["goal"] + (
            f":{expect['service_code']}" if expect.get("service_code") else ""
        )
        got_fine = goal + (f":{service_code}" if service_code else "")
        if expect.get("service_code"):
            service[1] += 1
            service[0] += service_code == expect["service_code"]
        if expect.get("topic"):
            topic[1] += 1
            topic[0] += got_topic == expect["topic"]
        if expect.get("case_number"):
            case[1] += 1
            case[0] += predicted_case_number(text, parsed.get("entities") or []) == str(
                expect["case_number"]
            )
        if expect.get("address"):
            address[1] += 1
            address[0] += address_key(predicted_address(text)) == address_key(expect["address"])
        if expected_fine != got_fine and not (
            expect["goal"] == goal and not expect.get("service_code")
        ):
            fine_confusions[(expected_fine, got_fine)] += 1
            errors.append(f"  {expected_fine:32} -> {got_fine:32} {text}")

    goal_hits = sum(1 for e, p in goal_pairs if e == p)
    f1 = macro_f1(goal_pairs)
    print(f"messages:          {len(goal_pairs)}")
    print(f"goal accuracy:     {pct(goal_hits, len(goal_pairs))}")
    print(f"service accuracy:  {pct(*service)}")
    print(f"referral topic:    {pct(*topic)}")
    print(f"macro-F1 (goals):  {f1:.3f}")
    if len(by_lang) > 1:
        for lang, hits in sorted(by_lang.items()):
            print(f"goal accuracy {lang}:  {pct(sum(hits), len(hits))}")
    print(f"case number:       {pct(*case)}")
    print(f"address:           {pct(*address)}")
    print("most confused (expected -> got):")
    for (expected, got), n in fine_confusions.most_common(10):
        print(f"  {n:3}  {expected} -> {got}")
    if args.errors:
        print("errors:")
        print("\n".join(errors))

    def ratio(pair: list[int]) -> str:
        return f"{pair[0] / pair[1]:.3f}" if pair[1] else "n/a"

    print(
        f"SUMMARY n={len(goal_pairs)} goal_acc={ratio([goal_hits, len(goal_pairs)])} "
        f"service_acc={ratio(service)} macro_f1={f1:.3f} case_number_acc={ratio(case)} "
        f"address_acc={ratio(address)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
