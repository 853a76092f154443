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
    _renice(threading.get_native_id(), niceness)


def _renice(thread_id: int, niceness: int) -> None:
    """Set one thread's nice value (Linux); where that is not permitted (some sandboxes) or the thread has ended, it
    stays as it is."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, thread_id, niceness)
        except OSError:
            pass


T = TypeVar("T")

# Threads whose priority is lowered once the first result is out (``lower_after_start``): onnxruntime's pools born while
# the models loaded, and the inference thread. Until then they run at normal priority, so start-up keeps its pace
# beside other busy programs (first labelled frame under two busy processes on 2 cores: 6.7 s at nice 10, 1.6 s at 0).
_deferred: set[int] = set()
_deferred_lock = threading.Lock()
_started = False  # the first result is out: threads deferred from now on are lowered at once


def _task_ids() -> set[int]:
    try:
        return {int(name) for name in os.listdir("/proc/self/task")}
    except OSError:  # not Linux: priorities are left alone
        return set()


def defer_lowering(thread_ids: set[int] | None = None) -> None:
    """Lower these threads (default: the calling one) with the others when ``lower_after_start`` is called, or at
    once when it was called already (a later source's inference thread)."""
    with _deferred_lock:
        _deferred.update(thread_ids if thread_ids is not None else {threading.get_native_id()})
        started = _started
    if started:
        lower_after_start()


def lower_after_start(niceness: int = 10) -> None:
    """Give the window the cores back: every deferred thread goes below it (those deferred later follow at once)."""
    global _started
    with _deferred_lock:
        threads = set(_deferred)
        _deferred.clear()
        _started = True
    for thread in threads:
        _renice(thread, niceness)


def start_loading(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` (loading the models) in a fresh thread now, at normal priority; the function returned waits for
    its result (or raises its exception) in the caller's thread. The threads born meanwhile (onnxruntime's pools)
    are lowered below the window by ``lower_after_start``, once the first result is out."""
    results: list[T] = []
    errors: list[BaseException] = []
    before = _task_ids()

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # handed back to the caller's thread by wait()
            errors.append(exc)
        finally:
            defer_lowering(_task_ids() - before)

    thread = threading.Thread(target=run, name="model-loading", daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if errors:
            raise errors[0]
        return results[0]

    return wait
