"""The newest-frame slot: a slow consumer gets the newest frame, never a backlog, and the gaps are counted."""

from __future__ import annotations

import threading
import time

import numpy as np

from livespecies.capture.latest import LatestFrame, SkipCounter
from livespecies.types import Frame


def frame(seq: int) -> Frame:
    return Frame(seq, time.monotonic(), time.time(), np.zeros((2, 2, 3), np.uint8))


def test_newest_frame_wins_and_nothing_queues() -> None:
    slot = LatestFrame()
    for seq in range(1, 101):
        slot.put(frame(seq))
    got = slot.wait_newer(0, timeout=0.1)
    assert got is not None and got.seq == 100  # the 99 older frames are gone, not queued
    assert slot.wait_newer(100, timeout=0.05) is None
    assert slot.written == 100


def test_waiting_consumer_wakes_on_put_and_on_close() -> None:
    slot = LatestFrame()
    seen: list[int | None] = []
    reader = threading.Thread(target=lambda: seen.append(getattr(slot.wait_newer(0, 5.0), "seq", None)))
    reader.start()
    time.sleep(0.05)
    slot.put(frame(7))
    reader.join(1)
    assert seen == [7]
    closer = threading.Thread(target=lambda: seen.append(getattr(slot.wait_newer(7, 5.0), "seq", None)))
    closer.start()
    time.sleep(0.05)
    start = time.monotonic()
    slot.close()
    closer.join(1)
    assert seen == [7, None] and time.monotonic() - start < 0.5


def test_skip_counter_counts_gaps() -> None:
    counter = SkipCounter()
    for seq in (1, 2, 5, 6, 10, 10, 9):
        counter.saw(seq)
    assert counter.skipped == 2 + 3 and counter.seen == 5
