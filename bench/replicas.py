"""Replicas: throughput and turn latency with one and two replicas of each kind, then kill-one.

    .venv-apps/bin/python bench/replicas.py [--concurrency 20] [--seconds 90] [--postgres-url URL]

Starts two case stores, two channels apps (public and internal each), two Rasa
servers, two action servers and a notifier behind HAProxy
(deploy/haproxy/haproxy.cfg) on fresh PostgreSQL databases and a Redis server
of its own (tests/replicas/cluster.py has every detail). Residents file
pothole reports on web chat, signed SMS, signed voice, Telegram and signed
Messenger, with ``--concurrency`` conversations at once (spread evenly over the
five channels),
as the fault rig's residents do (tests/faults/rig.py).

1. One replica: replica ``b`` of every kind in maintenance in HAProxy (its
   processes keep running: the channels' retry worker and the action server's
   queue worker still poll the shared databases), ``a`` takes every request.
2. Two replicas: both in rotation.

Each measurement discards a warm-up, then counts, over ``--seconds``, the
messages whose real reply reached the resident (a holding reply followed by
the real one counts once, when the real one came): throughput in messages/s,
and the turn latency a resident saw (send to real reply) at p50 and p95.

3. Kill one: both in rotation, the same traffic, replica ``a`` of each kind
   SIGKILLed in turn and left down; the ledger (every message stored and
   answered, in order in Rasa's tracker; every report filed once; every notice
   delivered once), how long HAProxy took to take each one out, and how long
   until a web chat turn through every kind was answered again.

A SUMMARY line comes last. On a 2-core machine both replicas of a kind share
the same two cores with everything else: the second replica buys failover,
not throughput, and the figures say so.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.faults.rig import (  # noqa: E402 - after the path is set
    PATIENCE_SECONDS,
    Traffic,
    interrupt_handler,
)
from tests.fixtures.channels import wait_for  # noqa: E402
from tests.replicas.cluster import (  # noqa: E402
    CHANNELS,
    KINDS,
    REPLICAS,
    Cluster,
    run_kill_one,
    running_cluster,
    servers_of,
)

WARMUP_SECONDS = 20.0


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure(cluster: Cluster, replicas: tuple[str, ...], per_channel: int,
            seconds: float) -> dict[str, float]:
    """Run the traffic with only ``replicas`` in rotation; the window's figures."""
    cluster.rotation(replicas)
    wanted = {server: "UP" if replica in replicas else "MAINT"
              for replica in REPLICAS for kind in KINDS for server in servers_of(kind, replica)}
    wait_for(lambda: all(cluster.haproxy.states().get(server, "").startswith(state)
                         for server, state in wanted.items()), 60, "HAProxy's rotation")
    traffic = Traffic(cluster, per_channel=per_channel, channels=CHANNELS)
    traffic.start()
    time.sleep(WARMUP_SECONDS)  # the warm-up's length, not a synchronisation
    start = time.monotonic()
    time.sleep(seconds)  # the measurement window's length
    end = time.monotonic()
    traffic.finish(PATIENCE_SECONDS + 30)  # every conversation ends before the next phase
    heard = [s for s in traffic.sent if s.heard_at is not None and start <= s.heard_at < end]
    latencies = [s.heard_at - s.sent_at for s in heard]
    filed = sum(1 for c in traffic.conversations if c.outcome == "filed")
    return {"messages": len(heard), "per_second": len(heard) / (end - start),
            "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95),
            "reports_filed": filed}


def main() -> int:
    """Measure one replica against two, then kill one of each; print figures and the ledger."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=20,
                        help="conversations at once, spread over the five channels")
    parser.add_argument("--seconds", type=float, default=90.0, help="measurement window")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    per_channel = max(1, args.concurrency // len(CHANNELS))
    concurrency = per_channel * len(CHANNELS)
    interrupt_handler()
    workdir = Path(tempfile.mkdtemp(prefix="replicas-bench-"))
    print(f"starting two replicas of each kind behind HAProxy in {workdir} "
          f"(two Rasa servers load their models: a minute or two)", flush=True)
    with running_cluster(workdir, args.postgres_url) as cluster:
        figures = {}
        for label, replicas in (("one", ("a",)), ("two", ("a", "b"))):
            print(f"measuring {label} replica(s) of each kind: {concurrency} conversations, "
                  f"{WARMUP_SECONDS:.0f} s warm-up, {args.seconds:.0f} s window", flush=True)
            figures[label] = measure(cluster, replicas, per_channel, args.seconds)
        cluster.rotation(("a", "b"))
        print("kill one replica of each kind under the same traffic", flush=True)
        ledger = run_kill_one(cluster, per_channel=per_channel,
                              log=lambda line: print(line, flush=True))
    print(f"{'replicas':<9} {'messages':>8} {'msg/s':>7} {'p50 s':>7} {'p95 s':>7} "
          f"{'reports':>7}")
    for label, f in figures.items():
        print(f"{label:<9} {f['messages']:>8} {f['per_second']:>7.2f} {f['p50']:>7.2f} "
              f"{f['p95']:>7.2f} {f['reports_filed']:>7}")
    for line in ledger.lines():
        print(line)
    one, two = figures["one"], figures["two"]
    print(f"SUMMARY concurrency {concurrency} window {args.seconds:.0f}s "
          f"one {one['per_second']:.2f} msg/s p95 {one['p95']:.2f}s "
          f"two {two['per_second']:.2f} msg/s p95 {two['p95']:.2f}s "
          f"kill-one messages {ledger.inbound['sent']} answered {ledger.inbound['answered']} "
          f"in-order {ledger.turns['in order']} lost {ledger.lost} doubled {ledger.doubled} "
          f"reports {ledger.reports['confirmed']} filed-once {ledger.reports['filed once']} "
          f"notices {ledger.notices['queued']} delivered-once "
          f"{ledger.notices['delivered once']} run {ledger.seconds:.0f}s")
    ok = ledger.lost == 0 and ledger.doubled == 0 and not (
        ledger.turns["out of order"] or ledger.turns["missing turn"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
