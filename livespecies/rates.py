"""Rates and latencies over a sliding window, for status bars and benchmarks (no Qt)."""

from __future__ import annotations

import threading
from collections import deque


class RateMeter:
    """Events per second over the last ``window`` seconds.

    ``count`` lets one event stand for several (a frame whose sequence number jumped by 3 stands for the
    2 frames nobody looked at). No rate is given until the events span ``min_span`` seconds: a stream's
    first frames come in a burst, and two meters that started a few milliseconds apart would disagree
    wildly (the window once showed "shown 20.5 fps" above "source 12 fps" just after connecting).
    """

    def __init__(self, window: float = 2.0, min_span: float = 1.0) -> None:
        self.window = window
        self.min_span = min_span
        self._events: deque[tuple[float, int]] = deque()
        self._first: float | None = None
        # A station's capture thread ticks while a window, a web page or MQTT reads: a deque iterated while
        # another thread trims it raises.
        self._lock = threading.Lock()

    def tick(self, now: float, count: int = 1) -> None:
        with self._lock:
            if self._first is None:
                self._first = now
            self._events.append((now, count))
            self._trim(now)

    def rate(self, now: float) -> float | None:
        """None until there is enough history to say."""
        with self._lock:
            self._trim(now)
            if self._first is None or now - self._first < self.min_span:
                return None
            if len(self._events) < 2:
                return 0.0
            # Measured from the oldest event to now, so a source that stops decays to 0 instead of freezing.
            counted = sum(count for _, count in list(self._events)[1:])
            return counted / max(now - self._events[0][0], 1e-9)

    def _trim(self, now: float) -> None:
        while self._events and now - self._events[0][0] > self.window:
            self._events.popleft()


class RecentValues:
    """The last ``size`` values, for a median latency."""

    def __init__(self, size: int = 50) -> None:
        self._values: deque[float] = deque(maxlen=size)

    def add(self, value: float) -> None:
        self._values.append(value)

    def median(self) -> float | None:
        if not self._values:
            return None
        ordered = sorted(self._values)
        return ordered[len(ordered) // 2]
