"""The channels layer's own cost: round-trip latency through the channels app vs straight to Rasa.

    .venv/bin/python bench/channels_bench.py [--levels 1,10,50] [--messages 4]
        [--rasa-url URL --rasa-token TOKEN --casestore-url URL --service-token TOKEN]

Without URLs it starts the real stack itself (case store, action server, Rasa
with models/atl311.tar.gz, SQLite, as tests/fixtures/stack.py does) in a
temporary folder. It then starts the channels app under gunicorn exactly as
the Procfile does (1 worker, CHANNELS_THREADS threads, default 8) on its own
SQLite inbox, and for each concurrency level runs that many conversations at
once, each sending ``--messages`` turns ("hello" and a status lookup of an
unknown case number, alternating: one turn with no action, one with an action
that calls the case store), measured end to end:

- direct: POST {rasa}/webhooks/rest/webhook, as the channels app would;
- channels: POST {channels}/webchat/messages (durable inbox write, Rasa relay,
  transcript, JSON answer).

Prints median, p95 and p99 per path and level, and the channels/direct ratio.
Each sender is new, so no conversation's history grows across levels.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def turn_texts(count: int) -> list[str]:
    return ["hello" if i % 2 == 0 else "status of case 26999999" for i in range(count)]


def direct_conversation(rasa_url: str, token: str, messages: int) -> list[float]:
    sender = f"benchdirect:{uuid.uuid4().hex[:12]}"
    timings = []
    with requests.Session() as http:
        for i, text in enumerate(turn_texts(messages)):
            start = time.perf_counter()
            response = http.post(
                f"{rasa_url}/webhooks/rest/webhook",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "sender": sender,
                    "message": text,
                    "metadata": {"message_id": f"{sender}:{i}"},
                },
                timeout=120,
            )
            timings.append(time.perf_counter() - start)
            if response.status_code != 200 or not response.json():
                raise RuntimeError(f"Rasa answered {response.status_code} {response.text[:200]}")
    return timings


def channels_conversation(channels_url: str, messages: int) -> list[float]:
    session_id = f"bench{uuid.uuid4().hex[:24]}"  # the channels app wants >= 22 characters
    timings = []
    with requests.Session() as http:
        for text in turn_texts(messages):
            start = time.perf_counter()
            response = http.post(
                f"{channels_url}/webchat/messages",
                timeout=120,
                json={"session_id": session_id, "text": text, "message_id": uuid.uuid4().hex},
            )
            timings.append(time.perf_counter() - start)
            body = response.json()
            if response.status_code != 200 or body.get("pending"):
                raise RuntimeError(f"channels answered {response.status_code} {body}")
    return timings


def run_level(function, concurrency: int, *args) -> list[float]:
    with cf.ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda _: function(*args), range(concurrency)))
    return [t for r in results for t in r]


def start_channels(
    rasa_url: str, token: str, casestore_url: str, service_token: str, workdir: Path
) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "RASA_URL": rasa_url,
        "RASA_WEBHOOK_TOKEN": token,
        "CASESTORE_URL": casestore_url,
        "CASESTORE_SERVICE_TOKEN": service_token,
        "CHANNELS_DATABASE_URL": f"sqlite:///{workdir / 'channels.sqlite3'}",
        "RASA_DEADLINE_SECONDS": "110",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    threads = os.environ.get("CHANNELS_THREADS", "8")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            threads,
            "--timeout",
            "150",
            "channels:create_app()",
        ],
        cwd=REPO,
        env=env,
        stdout=open(workdir / "channels.log", "ab"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(url + "/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    deadline = time.monotonic() + 60
    while not up():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the channels app did not start; see {workdir}/channels.log")
        time.sleep(0.2)
    return process, url


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--messages", type=int, default=4, help="turns per conversation")
    parser.add_argument("--rasa-url")
    parser.add_argument("--rasa-token", default="", help="the webhook secret (RASA_WEBHOOK_TOKEN)")
    parser.add_argument("--casestore-url")
    parser.add_argument("--service-token", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="channels-bench-"))
    stack = None
    if not args.rasa_url:
        from tests.fixtures.stack import start_stack

        print("starting the stack (Rasa takes about a minute to load)...", flush=True)
        stack = start_stack(
            f"sqlite:///{workdir / 'cases.sqlite3'}",
            f"sqlite:///{workdir / 'tracker.sqlite3'}",
            workdir,
        )
        args.rasa_url, args.rasa_token = stack.rasa_url, stack.webhook_token
        args.casestore_url, args.service_token = stack.casestore_url, stack.service_token
    channels = None
    try:
        channels, channels_url = start_channels(
            args.rasa_url, args.rasa_token, args.casestore_url, args.service_token, workdir
        )
        # Warm up both paths (first turns load caches and open connections).
        run_level(direct_conversation, 2, args.rasa_url, args.rasa_token, 2)
        run_level(channels_conversation, 2, channels_url, 2)
        print(f"{'conc':>4} {'path':>8} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}")
        for level in (int(x) for x in args.levels.split(",")):
            direct = run_level(
                direct_conversation, level, args.rasa_url, args.rasa_token, args.messages
            )
            through = run_level(channels_conversation, level, channels_url, args.messages)
            stats = {}
            for name, values in (("direct", direct), ("channels", through)):
                row = (
                    statistics.median(values),
                    percentile(values, 0.95),
                    percentile(values, 0.99),
                )
                stats[name] = row
                print(
                    f"{level:>4} {name:>8} {len(values):>4} {row[0] * 1000:>10.1f} "
                    f"{row[1] * 1000:>8.1f} {row[2] * 1000:>8.1f}"
                )
            ratio = [c / d for c, d in zip(stats["channels"], stats["direct"], strict=True)]
            print(
                f"{level:>4} {'ratio':>8} {'':>4} {ratio[0]:>10.2f} {ratio[1]:>8.2f} "
                f"{ratio[2]:>8.2f}",
                flush=True,
            )
    finally:
        if channels is not None:
            channels.terminate()
            channels.wait(timeout=30)
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    main()
