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
EVAL = ROOT / "bench" / "eval" / "eval.yml"


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


def test_no_evaluation_message_is_also_a_training_example():
    training = {normalised(t) for texts in build_stories.EX.values() for t in texts}
    evaluation = yaml.safe_load(EVAL.read_text())
    assert len(evaluation) >= 300
    overlap = [item["text"] for item in evaluation if normalised(item["text"]) in training]
    assert overlap == []


def test_the_evaluation_set_covers_every_service_and_goal():
    evaluation = yaml.safe_load(EVAL.read_text())
    services = {i["expect"].get("service_code") for i in evaluation} - {None}
    goals = {i["expect"]["goal"] for i in evaluation}
    reportable = {i.removeprefix("report_") for i in build_stories.EX if i.startswith("report_")}
    assert services == reportable
    assert goals == {
        "report",
        "status",
        "add_info",
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
