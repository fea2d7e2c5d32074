"""Writes tests/bot/stories/test_stories.yml: the dialogue test stories for `rasa test core`.

    .venv/bin/python tests/bot/stories/build_stories.py

Core tests do not run custom actions, so each story spells out the events the
actions produce (the form's requested slots, action_start_report's slots).
User messages are taken from the training data's own examples so that a story
fails on dialogue, not on wording; the NLU is measured by bench/nlu_eval.py.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).with_name("test_stories.yml")


def examples(pattern: str = "nlu_*.yml") -> dict[str, list[str]]:
    """Training examples by intent, from the NLU files matching ``pattern``."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot" / "data").glob(pattern)):
        for item in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in item:
                found.setdefault(item["intent"], []).extend(
                    line[2:].strip()
                    for line in item["examples"].splitlines()
                    if line.strip().startswith("- ")
                )
    return found


EX = examples()
# Stories speak English: the Spanish examples are measured by bench/nlu_eval.py.
_ENGLISH = {text for texts in examples("nlu_[!e]*.yml").values() for text in texts}
EX_EN = {intent: [t for t in texts if t in _ENGLISH] for intent, texts in EX.items()}
RNG = random.Random(311)


def user(intent: str, text: str | None = None) -> dict:
    return {"user": text or RNG.choice(EX_EN[intent]), "intent": intent}


def form_step(slots: dict) -> list[dict]:
    return [{"action": "report_form"}, {"slot_was_set": [{k: v} for k, v in slots.items()]}]


def start(
    service: str, text: str | None = None, prefilled: dict | None = None, first: str = "location"
) -> list[dict]:
    slots = [{"service_code": service}] + [{k: v} for k, v in (prefilled or {}).items()]
    return [
        user(f"report_{service}", text),
        {"action": "action_start_report"},
        {"slot_was_set": slots},
        {"action": "report_form"},
        {"active_loop": "report_form"},
        {"slot_was_set": [{"requested_slot": first}]},
    ]


def answer(intent: str, text: str, slot: str, value, next_slot: str | None) -> list[dict]:
    return [user(intent, text)] + form_step({slot: value, "requested_slot": next_slot})


def finish(confirm_text: str = "yes") -> list[dict]:
    return [
        user("affirm", confirm_text),
        {"action": "report_form"},
        {"slot_was_set": [{"report_confirmed": True}]},
        {"active_loop": None},
        {"slot_was_set": [{"requested_slot": None}]},
        {"action": "action_submit_report"},
    ]


def contact_and_finish() -> list[dict]:
    return (
        answer("skip", "skip", "contact", "-", "report_confirmed") + finish()
    )


ADDRESSES = [
    "412 Boulevard SE",
    "1280 Peachtree St NE",
    "55 Trinity Ave SW",
    "960 Dill Ave SW",
    "10th st and piedmont ave",
    "221 Auburn Ave NE",
    "edgewood and krog",
]


def happy_path(service: str, i: int) -> dict:
    steps = start(service)
    steps += answer(
        "inform",
        ADDRESSES[i % len(ADDRESSES)],
        "location",
        ADDRESSES[i % len(ADDRESSES)],
        "attribute_answer",
    )
    steps += answer("inform", "medium", "attributes", {"a": "b"}, "contact")
    steps += contact_and_finish()
    return {"story": f"happy path: {service}", "steps": steps}


def interrupted(name: str, intent: str, text: str, handled: list[dict]) -> dict:
    steps = start("pothole", "pothole!!!")
    steps += answer(
        "inform", "412 Boulevard SE", "location", "412 Boulevard SE", "attribute_answer"
    )
    steps += [user(intent, text)] + handled
    return {"story": name, "steps": steps}


def resumed(actions: list[str]) -> list[dict]:
    return [{"action": a} for a in actions] + [
        {"action": "report_form"},
        {"active_loop": "report_form"},
    ]


def stories() -> list[dict]:
    out = []
    services = [i[len("report_") :] for i in EX if i.startswith("report_")]
    for i, service in enumerate(services):
        out.append(happy_path(service, i))
    # One message that already carries the address and the description.
    steps = start(
        "missed_garbage",
        "the trash wasn't picked up on Thursday at 412 Boulevard SE",
        {
            "location": "412 Boulevard SE",
            "description": "the trash wasn't picked up",
            "attributes": {"pickup_day": "thursday"},
        },
        first="attribute_answer",
    )
    steps += answer(
        "affirm",
        "yes",
        "attributes",
        {"pickup_day": "thursday", "cart_out_by_7": "yes"},
        "contact",
    )
    out.append(
        {
            "story": "one message carries service, day and address",
            "steps": steps + contact_and_finish(),
        }
    )
    for n, text in enumerate(
        [
            "actually it's 125, not 123",
            "I meant 125 Main St, not 123",
            "correction: the address is 130 Boulevard SE",
            "sorry, it's 14th street not 13th",
        ]
    ):
        steps = start("graffiti")
        steps += answer(
            "inform", "123 Boulevard SE", "location", "123 Boulevard SE", "attribute_answer"
        )
        steps += answer("inform", "wall", "attributes", {"surface": "wall"}, "contact")
        steps += answer("inform", text, "location", "125 Boulevard SE", "contact")
        steps += contact_and_finish()
        out.append({"story": f"correction while asked for contact details {n}", "steps": steps})
    steps = start("pothole")
    steps += answer(
        "inform", "412 Boulevard SE", "location", "412 Boulevard SE", "attribute_answer"
    )
    steps += answer("inform", "large", "attributes", {"size": "large"}, "contact")
    steps += answer("skip", "skip", "contact", "-", "report_confirmed")
    steps += answer("deny", "no", "report_confirmed", None, "report_confirmed")
    steps += answer(
        "inform",
        "the address is 88 Ralph McGill Blvd",
        "location",
        "88 Ralph McGill Blvd",
        "report_confirmed",
    )
    out.append({"story": "no at the summary, then a change, then yes", "steps": steps + finish()})
    for text in ["cancel", "never mind", "forget it", "stop", "I changed my mind", "nvm"]:
        out.append(
            interrupted(
                f"cancel mid report: {text}",
                "cancel",
                text,
                [
                    {"action": "action_deactivate_loop"},
                    {"active_loop": None},
                    {"slot_was_set": [{"requested_slot": None}]},
                    {"action": "action_reset_report"},
                    {"action": "utter_cancelled"},
                ],
            )
        )
    for text in [
        "status of 26-000145",
        "what's the status of case 26000123",
        "ATL-26000555",
        "two six zero zero zero one two three",
        "check status",
        "#26000188",
    ]:
        out.append(
            interrupted(
                f"status question mid report: {text}",
                "check_status",
                text,
                resumed(["action_check_status", "utter_back_to_report"]),
            )
        )
    for text in [
        "I smell gas in my house",
        "there's a fire",
        "someone got shot on my street",
        "power line down and sparking in the road",
        "a person collapsed at the bus stop",
        "my car is on fire",
    ]:
        out.append(
            interrupted(
                f"emergency mid report: {text}",
                "emergency",
                text,
                [
                    {"action": "utter_emergency"},
                    {"action": "action_deactivate_loop"},
                    {"active_loop": None},
                    {"slot_was_set": [{"requested_slot": None}]},
                    {"action": "action_hold_report"},
                ],
            )
        )
    for intent, text in [
        ("referral_power", "my power is out"),
        ("referral_animal", "there's a stray dog in my yard"),
    ]:
        out.append(
            interrupted(
                f"referral mid report: {intent}",
                intent,
                text,
                resumed(["action_give_referral", "utter_back_to_report"]),
            )
        )
    out.append(interrupted("help mid report", "help", "what can you do", resumed(["utter_help"])))
    out.append(
        interrupted(
            "person mid report",
            "human_agent",
            "can I talk to a person",
            [
                {"action": "action_handoff_to_agent"},
                {"action": "action_deactivate_loop"},
                {"active_loop": None},
            ],
        )
    )
    for text in ["status of case 26999999", "26000123", "check case ATL-26000555", "2600012"]:
        out.append(
            {
                "story": f"status then a second try: {text}",
                "steps": [
                    user("check_status", text),
                    {"action": "action_check_status"},
                    user("check_status", "26-000145"),
                    {"action": "action_check_status"},
                ],
            }
        )
    for text in ["I smell gas in my house", "there's a shooting", "someone is bleeding badly"]:
        out.append(
            {
                "story": f"emergency outside a report: {text}",
                "steps": [
                    user("emergency", text),
                    {"action": "utter_emergency"},
                    {"action": "action_hold_report"},
                ],
            }
        )
    # "Nobody is in danger" after the 911 answer takes the held report up again.
    for text in ["nobody is in danger", "no one is hurt", "nadie está en peligro"]:
        out.append(
            {
                "story": f"all clear after the 911 answer: {text}",
                "steps": [
                    user("emergency", "my neighbour's house is on fire"),
                    {"action": "utter_emergency"},
                    {"action": "action_hold_report"},
                    {"user": text, "intent": "all_clear"},
                    {"action": "action_resume_report"},
                ],
            }
        )
    for text in ["I filed that by accident, case 26-000123", "please withdraw my report"]:
        out.append(
            {
                "story": f"a resident withdraws a case: {text}",
                "steps": [{"user": text, "intent": "withdraw_case"},
                          {"action": "action_withdraw_case"}],
            }
        )
    out.append(
        {
            "story": "an unsure guess gets the clarifying buttons",
            "steps": [
                {"user": "blorp the flibber", "intent": "nlu_fallback"},
                {"action": "action_clarify"},
            ],
        }
    )
    # Duplicate offered and followed.
    steps = start("pothole")
    steps += answer(
        "inform", "500 Edgewood Ave NE", "location", "500 Edgewood Ave NE", "follow_duplicate"
    )
    steps += answer("affirm", "yes", "follow_duplicate", True, "contact")
    steps += [
        user("inform", "jane.doe@example.com"),
        {"action": "report_form"},
        {"slot_was_set": [{"contact": "given"}, {"contact_email": "jane.doe@example.com"}]},
        {"active_loop": None},
        {"slot_was_set": [{"requested_slot": None}]},
        {"action": "action_submit_report"},
    ]
    out.append({"story": "an open case at the same place is followed instead", "steps": steps})
    # Case store down, then a retry.
    steps = start("graffiti")
    steps += answer(
        "inform", "77 Auburn Ave NE", "location", "77 Auburn Ave NE", "attribute_answer"
    )
    steps += answer("inform", "wall", "attributes", {"surface": "wall"}, "contact")
    steps += contact_and_finish() + [{"slot_was_set": [{"submit_pending": True}]}]
    for text in ["try again", "retry", "please try again"]:
        retry = steps + [
            user("retry", text),
            {"action": "action_submit_report"},
            {"slot_was_set": [{"submit_pending": None}]},
        ]
        out.append({"story": f"case store down, then {text}", "steps": retry})
    # However a bare number is classified, it reaches action_check_status.
    for intent in ("inform", "check_status"):
        out.append(
            {
                "story": f"a bare case number outside a report, as {intent}",
                "steps": [
                    {"intent": intent, "entities": [{"case_number": "26000123"}]},
                    {"action": "action_check_status"},
                ],
            }
        )
    # Adding information.
    for text in ["I want to add a photo to my case", "add information to case 26000123"]:
        out.append(
            {
                "story": f"add information: {text}",
                "steps": [
                    user("add_info", text),
                    {"action": "add_info_form"},
                    {"active_loop": "add_info_form"},
                    {"slot_was_set": [{"requested_slot": "info_case_number"}]},
                    user("check_status", "26000123"),
                    {"action": "add_info_form"},
                    {
                        "slot_was_set": [
                            {"info_case_number": "26000123"},
                            {"requested_slot": "info_note"},
                        ]
                    },
                    user("inform", "it got bigger"),
                    {"action": "add_info_form"},
                    {"slot_was_set": [{"info_note": "it got bigger"}]},
                    {"active_loop": None},
                    {"slot_was_set": [{"requested_slot": None}]},
                    {"action": "action_submit_info"},
                ],
            }
        )
    small_talk = [
        ("greet", "utter_greet"),
        ("thanks", "utter_thanks"),
        ("goodbye", "utter_goodbye"),
        ("out_of_scope", "utter_out_of_scope"),
        ("human_agent", "action_handoff_to_agent"),
        ("help", "utter_help"),
        ("affirm", "action_affirm_no_context"),
        ("cancel", "utter_nothing_to_cancel"),
    ]
    for intent, action in small_talk:
        out.append({"story": f"small talk: {intent}", "steps": [user(intent), {"action": action}]})
    return out


def main() -> None:
    """Write the stories file."""
    data = {"version": "3.1", "stories": stories()}
    header = "# Generated by tests/bot/stories/build_stories.py; edit that, not this file.\n"
    OUT.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    print(f"{len(data['stories'])} stories -> {OUT}")


if __name__ == "__main__":
    main()
