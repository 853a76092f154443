"""One watched camera: its capture thread, its tracks, its motion gate, its sightings and its statistics.

Cameras do not run models themselves: the shared scheduler (``scheduler.py``)
takes each camera's newest frame in turn. What a camera owns is everything that
must stay per camera: the stream and its reconnects, the tracker (animals do
not move between cameras), the motion background and the sightings.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from livespecies.capture.latest import LatestFrame
from livespecies.capture.reader import CaptureThread, ReconnectPolicy, SourceState
from livespecies.capture.source_spec import parse_source
from livespecies.capture.sources import open_source
from livespecies.inference.engine import Recognizer
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.rates import RateMeter
from livespecies.sightings.service import SightingsService
from livespecies.sightings.visits import VisitEvent
from livespecies.types import Frame, Result
from livespecies.watch.config import Camera
from livespecies.watch.motion import MotionGate

log = logging.getLogger("livespecies.watch")
HOUR = 3600.0


@dataclass
class CameraStats:
    """Frigate-like per-camera figures (see ``as_dict``), updated by the capture and scheduler threads."""

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


class WatchedCamera:
    def __init__(self, config: Camera, recognizer: Recognizer, service: SightingsService, wake: Callable[[], None],
                 policy: ReconnectPolicy | None = None, demo_clip: Path | None = None) -> None:  # fmt: skip
        self.config = config
        self.name = config.name
        self.recognizer = recognizer
        self.service = service
        self.stats = CameraStats()
        self.pipeline = LivePipeline(recognizer)
        self.gate = MotionGate(config.motion)
        self.last_seq = 0
        self.latest: LiveResult | None = None  # for a display (the camera grid): the newest result, replaced whole
        self.slot = LatestFrame(on_put=wake)
        spec = parse_source(config.source)
        self.capture = CaptureThread(lambda: open_source(spec, demo_clip), self.slot, self._on_state, policy, self.name, log_as=self.name)

    def start(self) -> None:
        self.capture.start()

    def stop(self, timeout: float = 10.0) -> bool:
        if not self.capture.is_alive():  # never started (the watcher failed to start) or already ended: nothing to join
            self.capture.stop_event.set()
            self.slot.close()
            return True
        return self.capture.stop(timeout)

    def _on_state(self, state: SourceState) -> None:
        previous = self.stats.state
        self.stats.state = state
        if state.status == "reconnecting" and (previous is None or previous.status == "live"):
            self.stats.reconnects.append(time.monotonic())
        if state.status in ("reconnecting", "failed") and state.detail:  # the page and the grid show why, not only that
            self.stats.error(state.detail)
        # Each failed attempt is logged by the capture loop (naming this camera); here only what changes the camera's lot.
        if state.status == "failed":
            log.error("%s: %s", self.name, state.describe())
        elif state.status == "live":
            log.info("%s: live", self.name)

    def take_new_frame(self) -> Frame | None:
        """The newest frame not yet looked at (counting the ones that went by unseen), or None."""
        frame = self.slot.peek()
        if frame is None or frame.seq <= self.last_seq:
            return None
        if self.last_seq:
            self.stats.skipped_busy += max(0, frame.seq - self.last_seq - 1)
        self.stats.frames_in += frame.seq - self.last_seq if self.last_seq else 1
        self.stats.fps_in.tick(frame.timestamp, max(1, frame.seq - self.last_seq) if self.last_seq else 1)
        self.last_seq = frame.seq
        return frame

    def process(self, frame: Frame) -> list[VisitEvent] | None:
        """Gate, recognise, track and record one frame; None when the motion gate let it pass."""
        if not self.gate.should_infer(frame.pixels, frame.timestamp):
            self.stats.skipped_static += 1
            self.service.observe(self._nothing_seen(frame))  # time passes for the visits: absent animals' visits end
            return None
        live = self.pipeline.process(frame, self.config.threshold)
        self.latest = live
        self.stats.processed += 1
        self.stats.fps_processed.tick(live.finished)
        self.stats.lag = live.finished - frame.timestamp
        events = self.service.observe(live)
        for event in events:
            if event.kind in ("started", "renamed"):
                self.stats.last_sighting, self.stats.last_sighting_at = event.visit.label, event.visit.last_seen_at
        return events

    def _nothing_seen(self, frame: Frame) -> LiveResult:
        """A frame the gate skipped tells the visits only that time went by; tracks keep their last answers.

        Visits then end after ``gone_after`` of no sightings, measured on the frames' clock. A still animal keeps its
        visit because the gate looks every ``check_every`` seconds, which the config keeps shorter than ``gone_after``.
        """
        return LiveResult(frame, Result(frame.width, frame.height, ()), (), frame.timestamp, frame.timestamp, self.config.threshold, ())

    def close(self) -> None:
        """End the open sightings (the program stops or the camera is removed)."""
        self.service.close()
