"""What one station counts: frames in, frames processed and skipped, lag, reconnects, the last sighting and error."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from livespecies.capture.reader import SourceState
from livespecies.pipeline import LiveResult
from livespecies.rates import RateMeter, RecentValues
from livespecies.types import Frame

HOUR = 3600.0


@dataclass
class StationStats:
    """Frigate-like figures of one station (see ``as_dict``), updated by its capture thread and whichever thread runs
    its models (the watcher's scheduler, the window's inference worker); the window's status bar and the watcher's
    page, stats and grid all read this one object."""

    state: SourceState | None = None
    # 10 s windows: a gated camera runs the models only every few seconds, which a 2 s window would show as 0.
    fps_in: RateMeter = field(default_factory=lambda: RateMeter(window=10.0))
    fps_processed: RateMeter = field(default_factory=lambda: RateMeter(window=10.0))
    frames_in: int = 0
    processed: int = 0
    skipped_busy: int = 0  # new frames that came while the models were busy with others (the newest always wins)
    skipped_static: int = 0  # frames the motion gate let pass without running the models
    lag: float = 0.0  # capture to result of the last processed frame, seconds
    reconnects: deque[float] = field(default_factory=deque)
    last_sighting: str | None = None
    last_sighting_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None  # wall time, so a page can say when, once the camera is back
    latency: RecentValues = field(default_factory=RecentValues)  # capture to result, seconds (the window shows medians)
    inference_time: RecentValues = field(default_factory=RecentValues)  # the models' own time per frame, seconds

    @classmethod
    def over(cls, seconds: float) -> StationStats:
        """Rates over ``seconds``-long windows (the window's status bar: 2 s, as a person watching expects)."""
        return cls(fps_in=RateMeter(window=seconds), fps_processed=RateMeter(window=seconds))

    def arrived(self, frame: Frame) -> None:
        """A new frame from the source (on the capture thread)."""
        self.frames_in += 1
        self.fps_in.tick(frame.timestamp)

    def took(self, frame: Frame, last_seq: int) -> None:
        """A new frame was taken for the models; the ones between it and the last taken went by unseen."""
        if last_seq:
            self.skipped_busy += max(0, frame.seq - last_seq - 1)

    def processed_one(self, live: LiveResult) -> None:
        self.processed += 1
        self.fps_processed.tick(live.finished)
        self.lag = live.finished - live.frame.timestamp
        self.latency.add(live.latency)
        self.inference_time.add(live.inference_seconds)

    def reconnected(self) -> None:
        self.reconnects.append(time.monotonic())

    def error(self, message: str) -> None:
        """What went wrong last: a stream that failed or stopped, a snapshot not written, a recognition that failed."""
        self.last_error, self.last_error_at = message, time.time()

    def as_dict(self, name: str, now: float) -> dict[str, object]:
        while self.reconnects and now - self.reconnects[0] > HOUR:
            self.reconnects.popleft()
        considered = self.processed + self.skipped_static
        return {
            "name": name,
            "state": self.state.describe(now) if self.state else "starting",
            "status": self.state.status if self.state else "starting",
            "fps_in": round(self.fps_in.rate(now) or 0.0, 2),
            "fps_processed": round(self.fps_processed.rate(now) or 0.0, 2),
            "frames_in": self.frames_in,
            "processed": self.processed,
            "skipped_busy": self.skipped_busy,
            "skipped_static": self.skipped_static,
            "static_share": round(self.skipped_static / considered, 4) if considered else 0.0,
            "lag": round(self.lag, 3),
            "reconnects_last_hour": len(self.reconnects),
            "last_sighting": self.last_sighting,
            "last_sighting_at": self.last_sighting_at,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
        }
