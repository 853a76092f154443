"""Rates and latencies over a sliding window, for status bars and benchmarks (no Qt)."""

from __future__ import annotations

from collections import deque


class RateMeter:
    """Events per second over the last ``window`` seconds."""

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._times: deque[float] = deque()

    def tick(self, now: float) -> None:
        self._times.append(now)
        self._trim(now)

    def rate(self, now: float) -> float:
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        # Measured from the oldest event to now, so a source that stops decays to 0 instead of freezing.
        return (len(self._times) - 1) / max(now - self._times[0], 1e-9)

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] > self.window:
            self._times.popleft()


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
