"""Measure the assistant's Rasa server: memory, start-up time and per-message latency.

    .venv/bin/python bench/rasa_bench.py --start            # start a private stack, measure, stop
    .venv/bin/python bench/rasa_bench.py --rasa-url URL --token T --webhook-token W [--pid PID]

With ``--start`` it starts the case store, the action server and Rasa exactly as
the tests do (tests/fixtures/stack.py, SQLite files in a temporary folder) and
also reports how long Rasa took to answer after start. Latency is measured
twice: NLU only (``/model/parse`` over the evaluation texts) and whole turns
over the REST channel (Rasa + action server + case store). Memory is the
resident set size of the Rasa process (Linux ``/proc``). One summary line last.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# One resident's conversation, a turn of each kind: small talk, a status question,
# a report through its form to the confirmation, a cancel.
SCRIPT = [
    "hi",
    "status of case 26999999",
    "there's a huge hole in the road",
    "412 Boulevard SE",
    "large",
    "yes",
    "cancel",
    "thanks",
]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, in MiB (Linux)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def pid_listening_on(port: int) -> int | None:
    """Find the process that listens on a TCP port, from /proc (Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def timed(call) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def describe(name: str, values: list[float]) -> str:
    """One line: mean, p50, p95 and max in milliseconds."""
    return (
        f"{name:28} n={len(values):3}  mean={statistics.mean(values):7.1f} ms  "
        f"p50={percentile(values, 50):7.1f}  p95={percentile(values, 95):7.1f}  "
        f"max={max(values):7.1f}"
    )


def measure(rasa_url: str, token: str, webhook_token: str, pid: int | None,
            messages: int) -> dict:
    """Run the measurements against a running Rasa server and print them."""
    session = requests.Session()
    texts = [i["text"] for i in yaml.safe_load((ROOT / "bench" / "eval" / "eval.yml").read_text())]
    texts = (texts * (messages // len(texts) + 1))[:messages]
    before = rss_mb(pid) if pid else None

    def parse(text: str) -> None:
        session.post(
            f"{rasa_url}/model/parse", params={"token": token}, json={"text": text}, timeout=60
        ).raise_for_status()

    parse_ms = [timed(lambda t=t: parse(t)) for t in texts]
    print(describe("NLU parse (/model/parse)", parse_ms))

    def turn(sender: str, text: str) -> None:
        answer = session.post(
            f"{rasa_url}/webhooks/rest/webhook",
            headers={"Authorization": f"Bearer {webhook_token}"},
            timeout=60,
            json={"sender": sender, "message": text, "metadata": {"message_id": uuid.uuid4().hex}},
        )
        answer.raise_for_status()
        assert answer.json(), f"no reply to {text!r}"

    script = SCRIPT
    turn_ms: list[float] = []
    for n in range(max(1, messages // len(script))):
        sender = f"bench:{n}-{uuid.uuid4().hex[:6]}"
        turn_ms += [timed(lambda s=sender, t=t: turn(s, t)) for t in script]
    print(describe("whole turn (REST channel)", turn_ms))
    after = rss_mb(pid) if pid else None
    if pid:
        print(
            f"Rasa memory (RSS)            {before:.0f} MiB loaded, {after:.0f} MiB after the run"
        )
    return {
        "parse_p50": percentile(parse_ms, 50),
        "parse_p95": percentile(parse_ms, 95),
        "turn_p50": percentile(turn_ms, 50),
        "turn_p95": percentile(turn_ms, 95),
        "rss_mb": after,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure, print the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--start", action="store_true", help="start a private stack to measure")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    parser.add_argument("--token", default=os.environ.get("RASA_AUTH_TOKEN", ""))
    parser.add_argument("--webhook-token", default=os.environ.get("RASA_WEBHOOK_TOKEN", ""),
                        help="the REST webhook's secret")
    parser.add_argument(
        "--pid", type=int, default=None, help="Rasa's process id (found if omitted)"
    )
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    startup = None
    stack = None
    if args.start:
        from tests.fixtures.stack import start_stack

        workdir = Path(tempfile.mkdtemp(prefix="rasa-bench-"))
        began = time.monotonic()
        stack = start_stack(
            f"sqlite:///{workdir / 'cases.sqlite3'}",
            f"sqlite:///{workdir / 'tracker.sqlite3'}",
            workdir,
        )
        startup = time.monotonic() - began
        args.rasa_url, args.token = stack.rasa_url, stack.rasa_token
        args.webhook_token = stack.webhook_token
        print(f"stack answering after         {startup:.0f} s (Rasa loads the model)")
    try:
        pid = args.pid or pid_listening_on(int(args.rasa_url.rsplit(":", 1)[1].split("/")[0]))
        result = measure(args.rasa_url.rstrip("/"), args.token, args.webhook_token, pid,
                         args.messages)
    finally:
        if stack is not None:
            stack.stop()
    rss = f"{result['rss_mb']:.0f}" if result["rss_mb"] else "n/a"
    start = f"{startup:.0f}" if startup is not None else "n/a"
    print(
        f"SUMMARY rss_mb={rss} startup_s={start} parse_p50_ms={result['parse_p50']:.1f} "
        f"parse_p95_ms={result['parse_p95']:.1f} turn_p50_ms={result['turn_p50']:.1f} "
        f"turn_p95_ms={result['turn_p95']:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
