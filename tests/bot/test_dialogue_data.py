"""The Rasa project's data: enough varied examples, evaluation kept apart, stories passing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.bot.stories import build_stories

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).parent / "rasa")
STORIES = ROOT / "tests" / "bot" / "stories" / "test_stories.yml"
EVAL_DIR = ROOT / "bench" / "eval"
# The sealed part is written first, by someone who never read the training data,
# and never tuned against (bench/nlu_eval.py reports it as totals only).
SEALED = EVAL_DIR / "sealed.yml"
EVAL_FILES = sorted(EVAL_DIR.glob("*.yml"))


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def rasa_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def test_every_intent_has_at_least_thirty_distinct_examples():
    counts = Counter(
        {intent: len(set(map(normalised, texts))) for intent, texts in build_stories.EX.items()}
    )
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert set(counts) == set(domain["intents"])
    assert min(counts.values()) >= 30, counts.most_common()[-5:]


def evaluation_items() -> list[dict]:
    return [item for path in EVAL_FILES for item in yaml.safe_load(path.read_text())]


def test_no_evaluation_message_is_also_a_training_example():
    training = {normalised(t) for texts in build_stories.EX.values() for t in texts}
    evaluation = evaluation_items()
    assert len(evaluation) >= 1000
    overlap = [item["text"] for item in evaluation if normalised(item["text"]) in training]
    assert overlap == []


def test_the_sealed_part_covers_every_service_goal_style_and_language():
    sealed = yaml.safe_load(SEALED.read_text())
    services = {i["expect"].get("service_code") for i in sealed} - {None}
    goals = {i["expect"]["goal"] for i in sealed}
    reportable = {i.removeprefix("report_") for i in build_stories.EX if i.startswith("report_")}
    assert len(sealed) >= 700
    assert services == reportable
    assert goals == {
        "report",
        "status",
        "add_info",
        "withdraw",
        "emergency",
        "referral",
        "greet",
        "goodbye",
        "thanks",
        "affirm",
        "deny",
        "human_agent",
        "help",
        "out_of_scope",
        "cancel",
    }
    styles = Counter(i.get("style") for i in sealed)
    assert all(styles[s] >= 25 for s in ("story", "effect", "typo", "texting", "voice", "spanish"))
    assert sum(1 for i in sealed if i.get("lang") == "es") >= 90
    assert sum(1 for i in sealed if i["expect"]["goal"] == "emergency") >= 60


def test_the_story_file_is_what_its_builder_writes():
    written = yaml.safe_load(STORIES.read_text())["stories"]
    assert json.dumps(written, sort_keys=True) == json.dumps(
        build_stories.stories(), sort_keys=True
    )
    assert len(written) >= 60


def test_rasa_data_validate_passes():
    result = subprocess.run(
        [
            RASA,
            "data",
            "validate",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "bot/data",
        ],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.timeout(1200)
def test_every_test_story_passes_rasa_test_core(tmp_path):
    subprocess.run([str(ROOT / "bin" / "train")], cwd=ROOT, check=True)
    result = subprocess.run(
        [
            RASA,
            "test",
            "core",
            "--stories",
            str(STORIES),
            "--model",
            "models/atl311.tar.gz",
            "--out",
            str(tmp_path),
            "--no-plot",
        ],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "None of the test stories failed" in failed, failed[:4000]
