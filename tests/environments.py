"""Which environment runs which tests.

The suite runs once in each environment (bin/test): the assistant's tests in
``.venv`` (Rasa and the action server: Python 3.10, Rasa's pins) and the rest in
``.venv-apps`` (case store, notifier, channels: a supported Python, current
releases). The assistant's paths need rasa_sdk in the test process itself: the
action tests, and the live-chat tests that run a hand-off action beside
in-process apps.

    python -m tests.environments apps|assistant [pytest arguments...]

prints the arguments that environment should get, NUL-separated: the test paths
that belong to the other environment are left out; exit status 3 when paths were
given and none belongs here (bin/test then skips this environment).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSISTANT_TESTS = ("tests/bot", "tests/livechat", "tests/test_settings.py")


def relative(path: str | Path) -> str:
    """``path`` relative to the repository, in POSIX form ("" when outside it)."""
    try:
        return Path(path).resolve().relative_to(REPO).as_posix()
    except ValueError:
        return ""


def is_assistant_test(path: str | Path) -> bool:
    """Return True when ``path`` (a test file or folder) runs in the assistant's environment."""
    text = relative(path)
    return any(text == p or text.startswith(p + "/") for p in ASSISTANT_TESTS)


def leads_to_assistant_tests(path: str | Path) -> bool:
    """Return True when ``path`` is a folder above some of the assistant's tests."""
    text = relative(path)
    return text in ("", ".") or any(p.startswith(text + "/") for p in ASSISTANT_TESTS)


def filter_args(env: str, args: list[str]) -> tuple[list[str], bool]:
    """Return the pytest arguments for ``env`` and whether any test path is left.

    An argument that names an existing path (``tests/bot``, ``tests/x.py::test_y``)
    is a test path; options and their values pass through unchanged.
    """
    kept: list[str] = []
    paths_given = paths_kept = 0
    for arg in args:
        candidate = arg.split("::", 1)[0]
        if arg.startswith("-") or not Path(candidate).exists():
            kept.append(arg)
            continue
        paths_given += 1
        if env == "assistant":
            mine = is_assistant_test(candidate) or leads_to_assistant_tests(candidate)
        else:
            mine = not is_assistant_test(candidate)
        if mine:
            kept.append(arg)
            paths_kept += 1
    return kept, paths_given == 0 or paths_kept > 0


def main(argv: list[str]) -> int:
    """Print ``argv[1:]`` filtered for the environment ``argv[0]``, NUL-separated."""
    env, args = argv[0], argv[1:]
    kept, runs = filter_args(env, args)
    sys.stdout.write("".join(arg + "\0" for arg in kept))
    return 0 if runs else 3


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
