"""Compare the whole-turn latency of two checkouts of the assistant, interleaved.

    .venv/bin/python bench/rasa_ab.py --a /path/to/before --b . [--rounds 60]

Each checkout's stack (case store, action server, Rasa with that checkout's own
trained model in ``models/``) is started from its own folder by its own
``tests/fixtures/stack.py``, SQLite files in a temporary folder. The same scripted
conversation (``rasa_bench.py``'s) then runs on both, round by round, alternating
which goes first, so both see the same machine at nearly the same moments: on a
shared 2-core machine, run-to-run drift (±10 ms at the median) is larger than the
differences worth measuring, and back-to-back runs of minutes each do not cancel
it. Besides wall-clock latency it reports the CPU time the three processes of
each stack spent per turn (``/proc/<pid>/stat``), which other load on the
machine barely moves. Summary line last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rasa_bench import SCRIPT, percentile  # noqa: E402

# Runs inside the checkout being measured, with that checkout's own fixtures.
LAUNCHER = """
import json, sys, tempfile
from pathlib import Path
from tests.fixtures.stack import start_stack
work = Path(tempfile.mkdtemp(prefix="rasa-ab-"))
stack = start_stack(f"sqlite:///{work / 'cases.sqlite3'}",
                    f"sqlite:///{work / 'tracker.sqlite3'}", work)
print(json.dumps({"rasa_url": stack.rasa_url,
                  "webhook_token": getattr(stack, "webhook_token", ""),
                  "pids": {n: p.pid for n, p in stack._processes.items()}}), flush=True)
try:
    sys.stdin.read()
finally:
    stack.stop()
"""


def descendants(pids: list[int]) -> list[int]:
    """``pids`` and every process under them (gunicorn's workers, say), from /proc."""
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            todo += [int(child) for child in task.read_text().split()]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of ``pids`` and their descendants, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in descendants(pids):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name)
    return total / ticks


class Checkout:
    """One checkout's running stack."""

    def __init__(self, label: str, folder: Path) -> None:
        self.label = label
        env = {**os.environ, "PYTHONPATH": str(folder)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER], cwd=folder, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        info = json.loads(self.process.stdout.readline())
        self.rasa_url = info["rasa_url"]
        self.webhook_token = info["webhook_token"]
        self.pids: dict[str, int] = info["pids"]
        self.session = requests.Session()
        self.latencies: list[float] = []
        self.cpu: dict[str, float] = dict.fromkeys(self.pids, 0.0)

    def conversation(self) -> None:
        """Play the script once as a new sender; record each turn's latency and CPU."""
        sender = f"ab:{uuid.uuid4().hex[:10]}"
        cpu_before = {name: cpu_seconds([pid]) for name, pid in self.pids.items()}
        for text in SCRIPT:
            began = time.perf_counter()
            answer = self.session.post(
                f"{self.rasa_url}/webhooks/rest/webhook",
                headers={"Authorization": f"Bearer {self.webhook_token}"},
                json={"sender": sender, "message": text,
                      "metadata": {"message_id": uuid.uuid4().hex}},
                timeout=60,
            )
            self.latencies.append((time.perf_counter() - began) * 1000)
            answer.raise_for_status()
            assert answer.json(), f"{self.label}: no reply to {text!r}"
        for name, pid in self.pids.items():
            self.cpu[name] += cpu_seconds([pid]) - cpu_before[name]

    def stop(self) -> None:
        """Let the launcher stop its stack."""
        self.process.stdin.close()
        self.process.wait(timeout=120)

    def line(self) -> str:
        """One row of the result table."""
        turns = len(self.latencies)
        per_process = " ".join(f"{name}={seconds / turns * 1000:.1f}"
                               for name, seconds in sorted(self.cpu.items()))
        return (f"{self.label:<8} turns={turns} p50={percentile(self.latencies, 50):6.1f} ms "
                f"p95={percentile(self.latencies, 95):6.1f} ms "
                f"cpu/turn={self.cpu_per_turn():5.1f} ms ({per_process})")

    def cpu_per_turn(self) -> float:
        """CPU milliseconds the stack's processes spent per turn."""
        return sum(self.cpu.values()) / len(self.latencies) * 1000


def main(argv: list[str] | None = None) -> int:
    """Start both stacks, interleave the conversations, print both and the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="the 'before' checkout")
    parser.add_argument("--b", type=Path, default=ROOT, help="the 'after' checkout")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    a = Checkout("before", args.a.resolve())
    b = Checkout("after", args.b.resolve())
    try:
        for _ in range(args.warmup):
            a.conversation()
            b.conversation()
        for side in (a, b):
            side.latencies.clear()
            side.cpu = dict.fromkeys(side.pids, 0.0)
        for n in range(args.rounds):
            first, second = (a, b) if n % 2 == 0 else (b, a)
            first.conversation()
            second.conversation()
    finally:
        a.stop()
        b.stop()
    print(a.line())
    print(b.line())
    ratio = percentile(b.latencies, 50) / percentile(a.latencies, 50)
    print(f"SUMMARY before_p50_ms={percentile(a.latencies, 50):.1f} "
          f"after_p50_ms={percentile(b.latencies, 50):.1f} after_over_before={ratio:.3f} "
          f"before_cpu_ms={a.cpu_per_turn():.1f} after_cpu_ms={b.cpu_per_turn():.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
