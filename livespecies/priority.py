"""Thread priorities: recognition yields the cores to whatever shows video."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar


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


T = TypeVar("T")


def start_in_low_priority_thread(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` in a fresh low-priority thread now; the function returned waits for its result (or raises
    its exception) in the caller's thread. Loading models this way makes onnxruntime's pool threads inherit the
    low priority (Linux threads take their creator's nice value), and lets the caller go on meanwhile."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        lower_thread_priority()
        try:
            results.append(work())
        except BaseException as exc:  # handed back to the caller's thread by wait()
            errors.append(exc)

    thread = threading.Thread(target=run, name="low-priority", daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if errors:
            raise errors[0]
        return results[0]

    return wait


def in_low_priority_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a fresh low-priority thread and return its result (or raise its exception) here."""
    return start_in_low_priority_thread(work)()
