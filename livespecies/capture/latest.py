"""The newest-frame-wins holder between a capture thread and its consumers.

A live view must never show the past: when inference or painting is slower
than the camera, older frames are overwritten, not queued. Consumers keep the
sequence number they saw last and ask for anything newer; the gap tells them
how many frames they skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from livespecies.types import Frame


class LatestFrame:
    def __init__(self, on_put: Callable[[], None] | None = None) -> None:
        """``on_put``: called after each new frame (a scheduler serving several slots waits on one event)."""
        self._frame: Frame | None = None
        self._condition = threading.Condition()
        self.written = 0
        self._closed = False
        self._on_put = on_put

    def put(self, frame: Frame) -> None:
        """Replace whatever is held; never blocks on a slow consumer."""
        with self._condition:
            self._frame = frame
            self.written += 1
            self._condition.notify_all()
        if self._on_put is not None:
            self._on_put()

    def peek(self) -> Frame | None:
        """The newest frame, without waiting (the display's read)."""
        with self._condition:
            return self._frame

    def wait_newer(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest frame with ``seq > after_seq``, waiting up to ``timeout`` seconds; None on timeout or close."""
        with self._condition:
            self._condition.wait_for(lambda: self._closed or (self._frame is not None and self._frame.seq > after_seq), timeout)
            frame = self._frame
            if self._closed or frame is None or frame.seq <= after_seq:
                return None
            return frame

    def close(self) -> None:
        """Wake every waiting consumer: the source is gone."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()


class SkipCounter:
    """Frames a consumer never saw: the gaps between the sequence numbers it did see."""

    def __init__(self) -> None:
        self.last_seq: int | None = None
        self.skipped = 0
        self.seen = 0

    def saw(self, seq: int) -> None:
        if self.last_seq is not None and seq > self.last_seq + 1:
            self.skipped += seq - self.last_seq - 1
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq
            self.seen += 1
