"""One live session: the window's thin Qt adapter over a Station (capture, newest frame, pipeline, sightings).

    capture thread (the station's) ──► LatestFrame ◄── display timer (GUI thread, newest frame only)
                                           │
                      InferenceWorker (QThread running Station.run) ──► result signal ──► GUI thread: Station.record

The GUI never waits on either thread: it reads the newest frame without
blocking and receives results and state changes as queued signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from livespecies.capture.reader import ReconnectPolicy, SourceState
from livespecies.capture.source_spec import SourceSpec
from livespecies.capture.sources import FrameSource, open_source
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.priority import defer_lowering, lower_after_start
from livespecies.sightings.service import Pixels, SightingsService, thumbnail
from livespecies.sightings.visits import Sighting
from livespecies.station import Station, StationStats

STATUS_RATE_WINDOW = 2.0  # seconds: the status bar's rates follow what a person watching sees


class InferenceWorker(QObject):
    """Runs the station's Qt-free inference loop in its own QThread; exceptions go to ``errored``, never lost."""

    started = Signal()
    finished = Signal()
    errored = Signal(str)
    result = Signal(object)  # LiveResult

    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station
        self.stop_event = threading.Event()

    @Slot()
    def run(self) -> None:
        # At normal priority until the first result is out (start-up keeps its pace beside busy programs), then below
        # the window with the models' threads, so video never stutters for a label.
        defer_lowering()
        self.started.emit()
        try:
            self.station.run(self._publish, self.stop_event, self.errored.emit)
        except Exception as exc:  # a bug must show in the window, not vanish with the thread
            self.errored.emit(f"The recognition worker stopped: {type(exc).__name__}: {exc}")
        finally:
            self.finished.emit()

    def _publish(self, live: LiveResult) -> None:
        self.result.emit(live)
        lower_after_start()

    def stop(self) -> None:
        """Cooperative: the loop checks the flag between frames (and wakes at least every 0.25 s)."""
        self.stop_event.set()


class LiveSession(QObject):
    state_changed = Signal(object)  # SourceState, from the capture thread
    result_ready = Signal(object)  # LiveResult, from the inference thread
    error = Signal(str)

    def __init__(
        self,
        spec: SourceSpec,
        pipeline: LivePipeline | None,
        threshold: Callable[[], float],
        demo_clip: Path | None = None,
        policy: ReconnectPolicy | None = None,
        make_source: Callable[[], FrameSource] | None = None,
        text: str | None = None,
        service: SightingsService | None = None,
        evidence_capacity: Callable[[int], int] | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.text = text if text is not None else spec.target  # as the user gave it (may hold a password: memory only)
        self.state = SourceState("connecting", spec.display_name)
        self.station = Station(spec.display_name, make_source or (lambda: open_source(spec, demo_clip)), pipeline, service, threshold,
                               policy=policy, on_state=self._on_state, stats=StationStats.over(STATUS_RATE_WINDOW),
                               evidence_capacity=evidence_capacity)  # fmt: skip
        self.slot = self.station.slot
        self.capture = self.station.capture
        self.worker: InferenceWorker | None = None
        self.inference_thread: QThread | None = None
        if pipeline is not None:
            self.worker = InferenceWorker(self.station)
            self.inference_thread = QThread()
            self.inference_thread.setObjectName("inference")
            self.worker.moveToThread(self.inference_thread)
            self.inference_thread.started.connect(self.worker.run)
            self.worker.finished.connect(self.inference_thread.quit)
            self.worker.result.connect(self.result_ready)
            self.worker.errored.connect(self.error)

    def _on_state(self, state: SourceState) -> None:
        self.state = state
        self.state_changed.emit(state)

    def record(self, live: LiveResult) -> list[tuple[Sighting, Pixels | None]]:
        """Fold a result into the station's sightings (one per tracked animal; they decide snapshots and records) and
        say what a panel shows, in order: each sighting that changed, with its thumbnail when it just started (a new
        row), else None (its row is refreshed); then every sighting still open, refreshed."""
        service = self.station.service
        if service is None:
            return []
        changes = [(event.visit, thumbnail(live, event.visit) if event.kind == "started" else None) for event in self.station.record(live)]
        return changes + [(visit, None) for visit in service.open_visits.values()]

    def start(self) -> None:
        self.station.start()
        if self.inference_thread is not None:
            self.inference_thread.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop both threads and wait for them (``None``: as long as it takes); True once both have ended. Safe to
        call twice. A session whose threads still run must be kept: Qt aborts the program when a running QThread
        is destroyed (one inference can outlast the wait on a loaded machine)."""
        if self.worker is not None:
            self.worker.stop()
        capture_stopped = self.station.stop(3600.0 if timeout is None else timeout)  # a read blocked on a frozen stream ends by its own timeout
        if self.inference_thread is None:
            return capture_stopped
        self.inference_thread.quit()
        if timeout is None:
            self.inference_thread.wait()
        else:
            self.inference_thread.wait(int(timeout * 1000))
        return capture_stopped and self.inference_thread.isFinished()

    def stopped(self) -> bool:
        return self.station.stopped() and (self.inference_thread is None or self.inference_thread.isFinished())


def latest_result_for_display(result: LiveResult | None, max_age: float, now: float) -> LiveResult | None:
    """The newest result is drawn until the next one is overdue: ``max_age`` seconds after its arrival plus the time it
    took (about the wait for the next one), so the boxes of an animal that left do not linger when results stop.

    Counted from the arrival, not from the capture: on a loaded machine every result came more than ``max_age`` after
    its frame (1.4-4.1 s under a CPU hog on 2 cores), and none was ever drawn."""
    if result is None or now - result.finished > max_age + result.latency:
        return None
    return result
