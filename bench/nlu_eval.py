"""Evaluate the running assistant's understanding against a labelled message set.

    .venv/bin/python bench/nlu_eval.py --data bench/eval/sealed.yml --data bench/eval/dev.yml \
        [--rasa-url http://localhost:5005] [--token TOKEN] [--errors]

``bench/eval/sealed.yml`` was written by someone who never saw the training
data, before it was rewritten, and is never tuned against: it is reported as
totals only (``--errors`` lists the errors of the other sets, never its own).

FILE is a YAML list of ``{text, lang?, expect: {goal, service_code?, case_number?,
address?, topic?}}`` (unknown keys are ignored). Each text goes to Rasa's
``/model/parse``; the model's intent is mapped onto a goal the way the
assistant acts on it:

- ``report_<code>`` -> goal ``report``, service ``<code>`` (but ``emergency``
  when the words name an emergency: action_start_report answers 911 then);
- ``check_status`` -> ``status``; ``referral_power``/``referral_animal`` ->
  ``referral`` with topic power/animal; ``retry`` -> ``affirm``; ``skip`` -> ``deny``;
  ``nlu_fallback`` -> ``out_of_scope`` (the bot says it is unsure and offers the
  likely services as buttons: how often the right one is among them is shown
  apart); ``withdraw_case`` -> ``withdraw``; the other intents keep their
  names (``inform`` matches no goal).

Case numbers are read the way action_check_status reads them (the regex
entity, else the words, so spoken digits count); addresses the way
action_start_report finds them (bot.actions.addresses). Prints goal accuracy,
service accuracy, macro-F1 over goals, the most confused pairs, case-number and
address extraction accuracy, emergency recall and false 911 alarms on
ordinary reports, figures per language and for long stories, and one summary
line last.
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
    "withdraw_case": "withdraw",
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


def sentences(text: str) -> int:
    """How many sentences a message has (a long story has more than three)."""
    return len([p for p in re.split(r"[.!?]+(?:\s+|$)|\n+", text) if p.strip()])


def evaluate(items: list[dict], rasa_url: str, token: str) -> dict:
    """Parse every item with Rasa and tally the figures ``report`` prints."""
    session = requests.Session()
    tally: dict = {
        "goal_pairs": [], "by_lang": {}, "service_by_lang": {}, "emergency_by_lang": {},
        "by_length": {}, "by_style": {},
        "fine_confusions": Counter(), "errors": [], "service": [0, 0], "case": [0, 0],
        "address": [0, 0], "topic": [0, 0], "emergency": [0, 0], "false_alarm": [0, 0],
        "near_miss_alarm": [0, 0], "fallback": 0, "clarify_hit": [0, 0],
    }
    for item in items:
        text, expect = str(item["text"]), item.get("expect") or {}
        response = session.post(
            f"{rasa_url.rstrip('/')}/model/parse",
            headers={"Authorization": f"Bearer {token}"} if token else {},
            params={"token": token},
            json={"text": text},
            timeout=60,
        )
        response.raise_for_status()
        parsed = response.json()
        intent = (parsed.get("intent") or {}).get("name") or "nlu_fallback"
        goal, service_code, got_topic = to_goal(intent, text)
        lang = str(item.get("lang") or "en")
        expected_goal = expect["goal"]
        tally["goal_pairs"].append((expected_goal, goal))
        tally["by_lang"].setdefault(lang, []).append(expected_goal == goal)
        length = "long (4+ sentences)" if sentences(text) > 3 else "short (1-3 sentences)"
        tally["by_length"].setdefault(length, []).append(expected_goal == goal)
        style = str(item.get("style") or "")
        if style:
            tally["by_style"].setdefault(style, [[], []])[0].append(expected_goal == goal)
        if intent == "nlu_fallback":
            tally["fallback"] += 1
            if expect.get("service_code"):
                # The clarifying question offers the top three goals as buttons.
                offered = [
                    r.get("name") for r in (parsed.get("intent_ranking") or [])
                    if r.get("name") != "nlu_fallback"
                ][:3]
                tally["clarify_hit"][1] += 1
                tally["clarify_hit"][0] += f"report_{expect['service_code']}" in offered
        if expected_goal == "emergency":
            tally["emergency"][1] += 1
            tally["emergency"][0] += goal == "emergency"
            tally["emergency_by_lang"].setdefault(lang, []).append(goal == "emergency")
        if expected_goal == "report":
            tally["false_alarm"][1] += 1
            tally["false_alarm"][0] += goal == "emergency"
            if item.get("tag") == "near_miss":
                tally["near_miss_alarm"][1] += 1
                tally["near_miss_alarm"][0] += goal == "emergency"
        expected_fine = expected_goal + (
            f":{expect['service_code']}" if expect.get("service_code") else ""
        )
        got_fine = goal + (f":{service_code}" if service_code else "")
        if expect.get("service_code"):
            hit = service_code == expect["service_code"]
            tally["service"][1] += 1
            tally["service"][0] += hit
            tally["service_by_lang"].setdefault(lang, []).append(hit)
            if style:
                tally["by_style"].setdefault(style, [[], []])[1].append(hit)
        if expect.get("topic"):
            tally["topic"][1] += 1
            tally["topic"][0] += got_topic == expect["topic"]
        if expect.get("case_number"):
            tally["case"][1] += 1
            tally["case"][0] += predicted_case_number(text, parsed.get("entities") or []) == str(
                expect["case_number"]
            )
        if expect.get("address"):
            tally["address"][1] += 1
            tally["address"][0] += address_key(predicted_address(text)) == address_key(
                expect["address"]
            )
        same_goal = expected_goal == goal and not expect.get("service_code")
        if expected_fine != got_fine and not same_goal:
            tally["fine_confusions"][(expected_fine, got_fine)] += 1
            tally["errors"].append(f"  {expected_fine:32} -> {got_fine:32} {text}")
    return tally


def report(tally: dict, label: str, sealed: bool, show_errors: bool) -> str:
    """Print the figures; a sealed set shows totals only, never a message. Returns the summary."""
    pairs = tally["goal_pairs"]
    goal_hits = sum(1 for e, p in pairs if e == p)
    f1 = macro_f1(pairs)
    print(f"== {label}{' (sealed: totals only)' if sealed else ''}")
    print(f"messages:          {len(pairs)}")
    print(f"goal accuracy:     {pct(goal_hits, len(pairs))}")
    print(f"service accuracy:  {pct(*tally['service'])}")
    print(f"emergency recall:  {pct(*tally['emergency'])}")
    print(f"false 911 alarms on reports: {pct(*tally['false_alarm'])}"
          f" (look-alike reports: {pct(*tally['near_miss_alarm'])})")
    print(f"referral topic:    {pct(*tally['topic'])}")
    print(f"macro-F1 (goals):  {f1:.3f}")
    print(f"unsure (clarifying question): {pct(tally['fallback'], len(pairs))}; "
          f"right service among its buttons: {pct(*tally['clarify_hit'])}")
    # Per language, with its message count: totals only, so a sealed set may show them.
    for lang, hits in sorted(tally["by_lang"].items()):
        service_hits = tally["service_by_lang"].get(lang, [])
        emergency_hits = tally["emergency_by_lang"].get(lang, [])
        print(f"  {lang}: n={len(hits)}, goal {pct(sum(hits), len(hits))}, "
              f"service {pct(sum(service_hits), len(service_hits))}, "
              f"emergency recall {pct(sum(emergency_hits), len(emergency_hits))}")
    for length, hits in sorted(tally["by_length"].items()):
        print(f"  {length}: goal {pct(sum(hits), len(hits))}")
    # Per writing style (the set's ``style`` field): totals only, like the languages, so
    # a sealed set tells which voices need training examples without showing a message.
    for style, (goals, services) in sorted(tally["by_style"].items()):
        print(f"  style {style}: n={len(goals)}, goal {pct(sum(goals), len(goals))}, "
              f"service {pct(sum(services), len(services))}")
    print(f"case number:       {pct(*tally['case'])}")
    print(f"address:           {pct(*tally['address'])}")
    if not sealed:
        print("most confused (expected -> got):")
        for (expected, got), n in tally["fine_confusions"].most_common(10):
            print(f"  {n:3}  {expected} -> {got}")
        if show_errors:
            print("errors:")
            print("\n".join(tally["errors"]))

    def ratio(pair: list[int]) -> str:
        return f"{pair[0] / pair[1]:.3f}" if pair[1] else "n/a"

    return (
        f"{label}: n={len(pairs)} goal_acc={ratio([goal_hits, len(pairs)])} "
        f"service_acc={ratio(tally['service'])} emergency_recall={ratio(tally['emergency'])} "
        f"false_alarms={ratio(tally['false_alarm'])} macro_f1={f1:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the report; the exit code is 0 unless Rasa failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", action="append", required=True,
                        help="YAML evaluation set (repeatable); a file named sealed*.yml "
                             "is reported as totals only")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    parser.add_argument("--token", default=None, help="Rasa API token (default RASA_AUTH_TOKEN)")
    parser.add_argument("--errors", action="store_true",
                        help="list every misclassified message (never for a sealed set)")
    args = parser.parse_args(argv)
    token = args.token if args.token is not None else default_token()
    summaries = []
    for path in args.data:
        items = yaml.safe_load(Path(path).read_text()) or []
        sealed = Path(path).name.startswith("sealed")
        tally = evaluate(items, args.rasa_url, token)
        summaries.append(report(tally, Path(path).stem, sealed, args.errors))
    print("SUMMARY " + " | ".join(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
