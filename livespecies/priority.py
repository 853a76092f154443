"""Thread priorities: recognition yields the cores to whatever shows video."""

from __future__ import annotations

import os
import sys
import threading


def lower_thread_priority(niceness: int = 10) -> None:
    """Let the GUI thread win the cores when inference saturates them: video must not stutter for a label.

    Linux schedules threads individually and honours a per-thread nice value (Qt's
    QThread priorities are ignored under the default SCHED_OTHER policy).
    """
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except OSError:
            pass  # not permitted in some sandboxes: run at normal priority
