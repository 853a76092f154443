"""One source, from its stream to its sightings, without Qt.

    capture thread ──► LatestFrame (newest only) ──► take_new_frame ──► gate? ──► LivePipeline ──► LiveResult
                                                                                                      │
                                  StationStats ◄── every stage counts here        SightingsService ◄──┘ record()
                                                                                   (sightings, snapshots, records)

Who runs the models differs, nothing else: the watcher's shared scheduler calls ``step`` for each station in turn;
the window's inference worker runs ``run`` (its own loop) and hands each result to ``record`` on the GUI thread,
where its sightings panel is. Snapshots (the button's and the sightings') and the teach loop's examples all go
through the station's one ``SightingsService``, so one sighting has one name and one snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from livespecies.capture.latest import LatestFrame
from livespecies.capture.reader import CaptureThread, ReconnectPolicy, SourceState
from livespecies.capture.sources import FrameSource
from livespecies.errors import UserError
from livespecies.inference.engine import Recognizer
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.sightings.service import SightingsService
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.teach import teach_sighting
from livespecies.sightings.visits import SightingEvent
from livespecies.station.stats import StationStats
from livespecies.types import Frame, Result

NO_VIDEO = "No video yet: open a source before taking a snapshot."


class Gate(Protocol):
    """Decides whether a frame is worth the models (the watcher's motion gate)."""

    def should_infer(self, pixels: npt.NDArray[np.uint8], timestamp: float) -> bool: ...


@dataclass(frozen=True)
class StationStep:
    """One frame through the station: its result (None when the gate let it pass) and what happened to sightings."""

    live: LiveResult | None
    events: tuple[SightingEvent, ...]


class Station:
    def __init__(
        self,
        name: str,
        open_frames: Callable[[], FrameSource],
        pipeline: LivePipeline | None,
        service: SightingsService | None,
        threshold: Callable[[], float],
        *,
        gate: Gate | None = None,
        policy: ReconnectPolicy | None = None,
        on_state: Callable[[SourceState], None] | None = None,
        wake: Callable[[], None] | None = None,
        stats: StationStats | None = None,
        log_as: str | None = None,
        evidence_capacity: Callable[[int], int] | None = None,
    ) -> None:
        self.name = name
        self.pipeline = pipeline
        self.service = service
        self.threshold = threshold
        self.gate = gate
        self.stats = stats or StationStats()
        self.on_state = on_state
        # How many sightings' best frames to keep for teaching, for frames of so many bytes (a window teaches; a
        # watcher does not and keeps none).
        self.evidence_capacity = evidence_capacity
        self.last_seq = 0
        self.latest: LiveResult | None = None  # the newest result, replaced whole (read by displays and snapshots)
        self._wake = wake
        self.slot = LatestFrame(on_put=self._arrived)
        self.capture = CaptureThread(open_frames, self.slot, self._state_changed, policy, name, log_as=log_as)
        if pipeline is not None:
            pipeline.reset()  # a new source: no tracks carried over from another

    # ---- the stream -----------------------------------------------------------------------
    def start(self) -> None:
        self.capture.start()

    def signal_stop(self) -> None:
        """Ask the capture to end without waiting (the watcher signals every camera before it waits for any)."""
        self.capture.stop_event.set()
        self.slot.close()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the capture and wait up to ``timeout`` seconds; True once it has ended."""
        if not self.capture.is_alive():  # never started or already ended: nothing to join
            self.signal_stop()
            return True
        return self.capture.stop(timeout)

    def stopped(self) -> bool:
        return not self.capture.is_alive()

    def _arrived(self) -> None:
        """On the capture thread, after each new frame: the source's rate counts every frame as it comes, not only
        those the models take (taken ones are sparse under load, and a rate from them read low)."""
        frame = self.slot.peek()
        if frame is not None:
            self.stats.arrived(frame)
        if self._wake is not None:
            self._wake()

    def _state_changed(self, state: SourceState) -> None:
        previous = self.stats.state
        self.stats.state = state
        if state.status == "reconnecting" and (previous is None or previous.status == "live"):
            self.stats.reconnected()
        if state.status in ("reconnecting", "failed") and state.detail:  # a page, a grid and a window say why, not only that
            self.stats.error(state.detail)
        if self.on_state is not None:
            self.on_state(state)

    # ---- frames to results ------------------------------------------------------------------
    def take_new_frame(self) -> Frame | None:
        """The newest frame not yet looked at (counting the ones that went by unseen), or None."""
        return self._taken(self.slot.peek())

    def _taken(self, frame: Frame | None) -> Frame | None:
        if frame is None or frame.seq <= self.last_seq:
            return None
        self.stats.took(frame, self.last_seq)
        self.last_seq = frame.seq
        return frame

    def infer(self, frame: Frame) -> LiveResult | None:
        """Gate and recognize one frame; None when the gate let it pass (or there are no models)."""
        if self.pipeline is None:
            return None
        if self.gate is not None and not self.gate.should_infer(frame.pixels, frame.timestamp):
            self.stats.skipped_static += 1
            return None
        live = self.pipeline.process(frame, self.threshold())
        self.latest = live
        self.stats.processed_one(live)
        return live

    def record(self, live: LiveResult) -> list[SightingEvent]:
        """Fold a result into the sightings (snapshots and records are queued, never waited for)."""
        if self.service is None:
            return []
        if self.evidence_capacity is not None:
            self.service.max_evidence = self.evidence_capacity(live.frame.pixels.nbytes)
        events = self.service.observe(live)
        for event in events:
            if event.kind in ("started", "renamed"):
                self.stats.last_sighting, self.stats.last_sighting_at = event.visit.label, event.visit.last_seen_at
        return events

    def step(self, frame: Frame) -> StationStep:
        """``infer`` then ``record``. A frame the gate let pass tells the sightings only that time went by (tracks
        keep their last answers), so visits end after ``gone_after`` of no sightings on the frames' clock; a still
        animal keeps its visit because the gate looks every ``check_every`` seconds, shorter than ``gone_after``."""
        live = self.infer(frame)
        seen = live or LiveResult(frame, Result(frame.width, frame.height, ()), (), frame.timestamp, frame.timestamp, self.threshold(), ())
        return StationStep(live, tuple(self.record(seen)))

    def run(self, publish: Callable[[LiveResult], None], stop: threading.Event, on_error: Callable[[str], None]) -> None:
        """The station's own inference loop (the window's worker thread): the newest frame whenever the models are
        free, never a backlog. A failure is reported when it starts or changes, not on every frame (keyed without
        the frame number, or one that repeats on every frame would be reported 30 times a second)."""
        last_failure: str | None = None
        while not stop.is_set():
            frame = self._taken(self.slot.wait_newer(self.last_seq, timeout=0.25))
            if frame is None:
                continue
            try:
                live = self.infer(frame)
            except Exception as exc:
                failure = f"{type(exc).__name__}: {exc}"
                if failure != last_failure:
                    last_failure = failure
                    on_error(f"Recognition failed on frame {frame.seq}: {failure}")
                continue
            last_failure = None
            if live is not None:
                publish(live)

    # ---- models ---------------------------------------------------------------------------------
    def use_recognizer(self, recognizer: Recognizer) -> None:
        """Other settings for the same models (a species list): read by the pipeline for every frame, no restart."""
        if self.pipeline is not None:
            self.pipeline.recognizer = recognizer

    # ---- snapshots, the teach loop, the end ---------------------------------------------------
    def snapshot(self, threshold: float, now: float, on_saved: Callable[[SnapshotFiles], None]) -> None:
        """The newest frame with the newest result drawn on it, written on the recorder thread; ``UserError`` when
        there is no video yet or nowhere to record."""
        frame = self.slot.peek()
        if frame is None:
            raise UserError(NO_VIDEO)
        if self.service is None:
            raise UserError("Snapshots need a snapshot folder: this source records nothing.")
        live = self.latest
        if live is None or live.frame.seq != frame.seq:
            # The newest frame has no result of its own yet: draw the newest result on it, as the screen does.
            result = live.result if live else Result(frame.width, frame.height, ())
            live = LiveResult(frame, result, live.track_ids if live else (), now, now, threshold)
        self.service.snapshot(live, "manual", on_saved)

    def teach(self, visit_id: int, name: str | None, folder: Path, on_saved: Callable[[str], None]) -> None:
        """Save one of this station's sightings as a labelled example (``teach_sighting``)."""
        if self.service is None:
            raise UserError("This source records no sightings to teach from.")
        teach_sighting(self.service.evidence, visit_id, name, folder, self.name, self.service.recorder, on_saved)

    @property
    def next_visit(self) -> int | None:
        """The number the next sighting would get (a window numbers sightings across its sources); None: no sightings."""
        return self.service.next_visit if self.service is not None else None

    def close(self) -> list[SightingEvent]:
        """End the open sightings (the source goes, or the program stops)."""
        return self.service.close() if self.service is not None else []
