"""gunicorn settings shared by the case store and the channels app (``--config`` in the Procfile).

Only what both need to be restarted cleanly by supervisord; everything else
stays on the Procfile's command lines.
"""

from __future__ import annotations

import ctypes
import os
import signal
from typing import Any

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def post_fork(server: Any, worker: Any) -> None:
    """Make the kernel stop this worker when its master dies.

    A master killed with SIGKILL (a crash, the OOM killer) leaves its workers
    serving on the old listening socket, beside the restarted master's, until
    they notice up to ``timeout`` seconds later and drop the connections queued
    to them. With the parent-death signal they stop with their master, and the
    restarted one is the only one listening. SIGKILL, not SIGTERM: a graceful
    stop keeps the socket open (accepting nothing) while requests finish, and
    the restarted master cannot bind its port meanwhile; what a request in
    flight had received is in the durable inbox, and the retry worker answers it.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != server.pid:  # the master died before the signal was armed
        os._exit(1)
