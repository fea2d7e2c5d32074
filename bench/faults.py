"""Fault injection: the whole service under steady traffic, each fault in turn, then a ledger.

    .venv/bin/python bench/faults.py [--only rasa,redis,...] [--postgres-url URL]

Starts the service from the Procfile under supervisord (as ``bin/run`` does) on
fresh PostgreSQL databases (``--postgres-url``, default ``TEST_POSTGRES_URL`` or
``postgresql://postgres@127.0.0.1:5432/test``: databases are created and
dropped there), a Redis server of its own, a real SMTP server and the
provider-API recorder (tests/faults/rig.py has every detail). While residents
keep filing pothole reports on web chat, signed SMS, signed voice and
Telegram, it applies in turn:

- kill -9 of rasa, actions, casestore, notifier, channels, channels-internal
  (supervisord restarts each);
- PostgreSQL: every backend of the service's databases terminated and new
  connections refused for a while (the server is shared, so not restarted);
- Redis stopped, then started again empty; the SMTP server stopped;
- Twilio's API accepting connections and never answering.

Then it waits for the service to deliver what it owes and prints the ledger
(every inbound message stored and answered, every confirmed report filed once,
every notice delivered once or dead-lettered), each fault's recovery time
("back": the process answers its health check again, from the kill or the
server's return; "service": a web chat turn through every part is answered
again, or for SMTP and Twilio the next email or SMS goes out; "backlog": every
message received from the fault's start until "service" is answered), and a
SUMMARY line last.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.faults.rig import (  # noqa: E402 - after the path is set
    PROCESS_FAULTS,
    SERVER_FAULTS,
    interrupt_handler,
    run_suite,
    running_rig,
)


def main() -> int:
    """Run the suite and print the ledger; exit 1 when anything was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated faults, in this order")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    faults = tuple(f.strip() for f in args.only.split(",") if f.strip()) or None
    unknown = set(faults or ()) - set(PROCESS_FAULTS + SERVER_FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    interrupt_handler()
    workdir = Path(tempfile.mkdtemp(prefix="faults-bench-"))
    print(f"starting the service under supervisord in {workdir} (Rasa takes about a minute)",
          flush=True)
    with running_rig(workdir, args.postgres_url) as rig:
        ledger = run_suite(rig, faults, log=lambda line: print(line, flush=True))
    for line in ledger.lines():
        print(line)
    recovered = [f for f in ledger.faults if f.service_seconds is not None]
    worst = max((f.service_seconds for f in recovered), default=0.0)
    backlog = max((f.backlog_seconds or 0.0 for f in ledger.faults), default=0.0)
    print(f"SUMMARY faults {len(ledger.faults)} recovered {len(recovered)} "
          f"messages {ledger.inbound['sent']} answered {ledger.inbound['answered']} "
          f"lost {ledger.lost} doubled {ledger.doubled} "
          f"reports {ledger.reports['confirmed']} filed-once {ledger.reports['filed once']} "
          f"notices {ledger.notices['queued']} delivered-once "
          f"{ledger.notices['delivered once']} dead {ledger.notices['dead-lettered']} "
          f"worst-recovery {worst:.1f}s worst-backlog {backlog:.1f}s run {ledger.seconds:.0f}s")
    return 0 if ledger.lost == 0 and ledger.doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
