"""One settings table per app, and .env.example lists every key read in code.

The three tables are casestore/config.py, channels/settings.py and
bot/actions/settings.py. Any other variable a module reads directly (the
launchers' ports and paths) is found by scanning the source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.actions import settings as actions_settings
from casestore import config as casestore_config
from channels import settings as channels_settings

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
# os.environ.get("X"), os.environ["X"], os.getenv("X"), env.get("X"), env("X"), and a
# module constant naming the variable (bot/input_channel.py's SECRET_VARIABLE).
_READ = re.compile(
    r"""(?:environ|getenv|\benv)(?:\.get)?[(\[]\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|_VARIABLE\s*=\s*["']([A-Z][A-Z0-9_]+)["']"""
)
_EXAMPLE_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", re.M)


def keys_read_in_code() -> set[str]:
    """Every variable the source of bot/, channels/ and casestore/ reads, tables included."""
    keys: set[str] = set()
    for folder in ("bot", "channels", "casestore"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in _READ.finditer(path.read_text(encoding="utf-8")):
                keys.add(match.group(1) or match.group(2))
    keys |= {casestore_config.env_name(k) for k in casestore_config.DEFAULTS
             if k not in casestore_config.FIXED}
    keys |= set(channels_settings.DEFAULTS) | set(actions_settings.DEFAULTS)
    return keys


def example_lines() -> dict[str, str]:
    """The variables .env.example shows, with the example value of each."""
    return dict(_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def test_the_scan_finds_variables_read_outside_the_tables():
    found = keys_read_in_code()
    # Read by the Rasa launcher and the webhook channel, which have no table.
    assert {"RASA_PORT", "RASA_RUNTIME_DIR", "RASA_WEBHOOK_TOKEN"} <= found


def test_every_variable_read_in_code_is_in_env_example():
    missing = sorted(keys_read_in_code() - set(example_lines()))
    assert missing == []


def test_every_example_value_can_be_sourced_by_a_shell():
    # bin/run sources .env: an unquoted value with a space runs its second word.
    unquoted = sorted(name for name, value in example_lines().items()
                      if value and value[0] not in "\"'")
    assert unquoted == []


def test_the_case_store_reads_its_variables_through_the_table(monkeypatch):
    monkeypatch.setenv("CASESTORE_OPEN311_MAX_IDS", "7")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "No")
    monkeypatch.setenv("LIVECHAT_WAIT_TIMEOUT_S", "30")
    monkeypatch.setenv("CASESTORE_PUBLIC_URL", "https://311.example.gov/")
    settings = casestore_config.load_settings()
    assert (settings["OPEN311_MAX_IDS"], settings["SESSION_COOKIE_SECURE"],
            settings["LIVECHAT_WAIT_TIMEOUT_S"], settings["PUBLIC_URL"]) == (
        7, False, 30.0, "https://311.example.gov")


def test_an_override_beats_the_environment(monkeypatch):
    monkeypatch.setenv("ACCOUNT_RATE_LIMIT", "1 per hour")
    settings = casestore_config.load_settings({"ACCOUNT_RATE_LIMIT": "3 per hour"})
    assert settings["ACCOUNT_RATE_LIMIT"] == "3 per hour"


def test_the_case_store_upload_limit_is_not_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1")
    assert casestore_config.load_settings()["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("Yes", True), (" ON ", True),
    ("0", False), ("false", False), ("no", False), ("off", False), ("maybe", False),
])
def test_booleans_are_read_the_same_way_by_every_app(monkeypatch, raw, expected):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", raw)
    monkeypatch.setenv("CHANNELS_COOKIE_SECURE", raw)
    assert (casestore_config.load_settings()["SESSION_COOKIE_SECURE"],
            channels_settings.load_settings()["CHANNELS_COOKIE_SECURE"],
            casestore_config.parse_bool(raw)) == (expected, expected, expected)


def test_the_action_server_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("CASESTORE_URL", "http://store.internal:8080/")
    monkeypatch.setenv("CATALOG_TTL", "5")
    first = actions_settings.current()
    monkeypatch.setenv("CATALOG_TTL", "9")
    second = actions_settings.current()
    assert (first.CASESTORE_URL, first.CATALOG_TTL, second.CATALOG_TTL) == (
        "http://store.internal:8080", 5.0, 9.0)


def test_the_action_server_reads_its_settings_only_through_its_table():
    direct = sorted(
        path.name for path in (ROOT / "bot" / "actions").glob("*.py")
        if path.name != "settings.py" and _READ.search(path.read_text(encoding="utf-8"))
    )
    assert direct == []


def test_case_store_modules_read_the_app_config_not_the_environment():
    direct = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "casestore").rglob("*.py")
        if path.name != "config.py" and "migrations" not in path.parts
        and _READ.search(path.read_text(encoding="utf-8"))
    )
    assert direct == []


_UNITS = {"": 1, "KiB": 1024, "MiB": 1024 * 1024}


def _documented_numbers() -> dict[str, float]:
    """``KEY`` (number) pairs in docs/*.md: the defaults the docs state."""
    found: dict[str, float] = {}
    for path in (ROOT / "docs").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for name, number, unit in re.findall(
                r"`([A-Z][A-Z0-9_]+)` \((\d+(?:\.\d+)?)( KiB| MiB)?[ ,;)]", text):
            found.setdefault(name, float(number) * _UNITS[unit.strip()])
    return found


def test_numeric_defaults_are_the_ones_the_docs_state():
    tables = {**{casestore_config.env_name(k): v for k, v in casestore_config.DEFAULTS.items()},
              **channels_settings.DEFAULTS, **actions_settings.DEFAULTS}
    documented = _documented_numbers()
    checked = {name: (tables[name], number) for name, number in documented.items()
               if name in tables and isinstance(tables[name], (int, float))
               and not isinstance(tables[name], bool)}
    wrong = {name: pair for name, pair in checked.items() if float(pair[0]) != pair[1]}
    assert len(checked) >= 15 and wrong == {}
