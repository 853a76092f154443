"""Start-up at normal priority, then recognition below the window: the threads born while the models load."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from livespecies import priority

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


def niceness(thread_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, thread_id)


def test_threads_born_while_loading_run_at_normal_priority_until_the_first_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(priority, "_started", False)
    monkeypatch.setattr(priority, "_deferred", set())
    base = niceness(threading.get_native_id())
    release, born = threading.Event(), []

    def load() -> str:
        # Stands for onnxruntime creating its thread pool while a model loads.
        pool = threading.Thread(target=release.wait, daemon=True)
        pool.start()
        born.append(pool.native_id)
        return "models"

    assert priority.start_loading(load)() == "models"
    [pool] = born
    try:
        assert niceness(pool) == base  # the first frame is recognised at full speed
        priority.lower_after_start()
        # Then below the window: nice 10 (a process already nicer than that keeps its own, unless root).
        assert niceness(pool) == 10 or (base > 10 and niceness(pool) == base)
        late = threading.Thread(target=lambda: (priority.defer_lowering(), born.append(niceness(threading.get_native_id()))))
        late.start()
        late.join()
        assert born[-1] == 10 or (base > 10 and born[-1] == base)  # a later source's thread goes below at once
        assert niceness(threading.get_native_id()) == base  # the caller (the window's thread) is never lowered
    finally:
        release.set()
