"""Deleting photo uploads no case took, from a process that runs anyway.

A form left half-way, a resident who followed a nearby case instead of
filing, a chat photo whose conversation never became a case: each leaves a
``photos`` row on no case, and its files. The ``notifier`` command (cli.py)
gives a ``PruneChore`` to the notifier loop as one of its chores; the loop
runs its chores after every pass (every few seconds), so the chore itself
keeps to once every ``PRUNE_EVERY`` and deletes what no case took within
``PRUNE_AFTER``. ``flask --app casestore media-prune`` runs the same deletion
once, with its own age (``--hours``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from ..db import chore_pass
from ..logs import get_logger
from .photos import prune_unattached

log = get_logger("casestore.media")

# Often enough that abandoned uploads do not pile up; the deletion is one small query.
PRUNE_EVERY = dt.timedelta(hours=1)
# Long enough for any form or chat to end with a case: the photo is kept until then.
PRUNE_AFTER = dt.timedelta(hours=24)


class PruneChore:
    """The notifier's chore: at most once every ``every``, delete uploads older than
    ``older_than`` that no case took (rows and files). Needs an app context.

    ``clock`` (seconds, monotonic) is only for tests; the first call always runs.
    """

    __name__ = "media_prune"  # the notifier names a failing chore by it

    def __init__(self, every: dt.timedelta = PRUNE_EVERY,
                 older_than: dt.timedelta = PRUNE_AFTER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.older_than = older_than
        self.clock = clock
        self.last_run: float | None = None

    def __call__(self) -> int:
        """Run the deletion when it is due; return how many uploads were removed."""
        now = self.clock()
        if self.last_run is not None and now - self.last_run < self.every.total_seconds():
            return 0
        # Counted as run even when it fails: a broken store is retried next interval,
        # not after every pass of the loop.
        self.last_run = now
        removed = chore_pass(
            lambda session: prune_unattached(session, self.older_than),
            lambda exc: log.error("media_prune_failed", error=type(exc).__name__))
        if removed:
            log.info("media_pruned", removed=removed)
        return removed
