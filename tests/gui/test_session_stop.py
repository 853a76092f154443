"""Closing a source while recognition is busy: its threads are never destroyed running (Qt aborts the program then)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from livespecies.gui import main_window
from livespecies.types import Frame
from tests.gui.conftest import MakeWindow


def test_a_source_closed_while_recognition_is_busy_is_kept_until_its_thread_ends(qtbot, make_window: MakeWindow,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    """Guards "QThread: Destroyed while thread 'inference' is still running" / "Fatal Python error: Aborted", seen when
    the window closed while one inference took longer than the stop waited (2 cores under heavy CPU load): the
    program died before the recorder wrote what was queued. The real pipeline is held on one frame, as such a
    machine would hold it, until the source is closed."""
    monkeypatch.setattr(main_window, "STOP_WAIT", 0.2)
    window = make_window()
    assert window.pipeline is not None
    busy, release = threading.Event(), threading.Event()
    process = window.pipeline.process

    def slow(frame: Frame, threshold: float):  # type: ignore[no-untyped-def]
        busy.set()
        release.wait(60)
        return process(frame, threshold)

    monkeypatch.setattr(window.pipeline, "process", slow)
    window.open_source("demo")
    qtbot.waitUntil(busy.is_set, timeout=30000)
    assert window.session is not None
    session = weakref.ref(window.session)  # only the window may keep it alive
    window.close_source()
    qtbot.waitUntil(lambda: (s := session()) is None or not s.capture.is_alive(), timeout=15000)
    gc.collect()  # the old window dropped the session here, and Qt aborted the program
    alive = session()
    assert alive is not None and alive.inference_thread is not None and alive in window.stopping
    release.set()
    window.close()  # waits for every session still stopping
    assert alive.inference_thread.isFinished() and window.stopping == []
