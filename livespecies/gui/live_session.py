"""One live session: a capture thread and an inference worker for one source, seen from the GUI as signals.

    capture thread (Qt-free run_capture) ──► LatestFrame ◄── display timer (GUI thread, newest frame only)
                                                 │
                            InferenceWorker (QThread, Qt-free run_inference) ──► result signal

The GUI never waits on either thread: it reads the newest frame without
blocking and receives results and state changes as queued signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from livespecies.capture.latest import LatestFrame, SkipCounter
from livespecies.capture.reader import CaptureThread, ReconnectPolicy, SourceState
from livespecies.capture.source_spec import SourceSpec
from livespecies.capture.sources import FrameSource, open_source
from livespecies.pipeline import LivePipeline, LiveResult, run_inference
from livespecies.priority import lower_thread_priority


class InferenceWorker(QObject):
    """Runs the Qt-free inference loop in its own QThread; exceptions go to ``errored``, never lost."""

    started = Signal()
    finished = Signal()
    errored = Signal(str)
    result = Signal(object)  # LiveResult

    def __init__(self, slot: LatestFrame, pipeline: LivePipeline, threshold: Callable[[], float]) -> None:
        super().__init__()
        self.slot = slot
        self.pipeline = pipeline
        self.threshold = threshold
        self.stop_event = threading.Event()
        self.skips = SkipCounter()

    @Slot()
    def run(self) -> None:
        lower_thread_priority()
        self.started.emit()
        try:
            run_inference(self.slot, self.pipeline, self.result.emit, self.stop_event, self.threshold, self.errored.emit, self.skips)
        except Exception as exc:  # a bug must show in the window, not vanish with the thread
            self.errored.emit(f"The recognition worker stopped: {type(exc).__name__}: {exc}")
        finally:
            self.finished.emit()

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
    ) -> None:
        super().__init__()
        self.spec = spec
        self.text = text if text is not None else spec.target  # as the user gave it (may hold a password: memory only)
        self.slot = LatestFrame()
        self.state = SourceState("connecting", spec.display_name)
        self.capture = CaptureThread(make_source or (lambda: open_source(spec, demo_clip)), self.slot, self._on_state, policy,
                                     spec.display_name)  # fmt: skip
        self.worker: InferenceWorker | None = None
        self.inference_thread: QThread | None = None
        if pipeline is not None:
            pipeline.reset()
            self.worker = InferenceWorker(self.slot, pipeline, threshold)
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

    def start(self) -> None:
        self.capture.start()
        if self.inference_thread is not None:
            self.inference_thread.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop both threads and wait for them (``None``: as long as it takes); True once both have ended. Safe to
        call twice. A session whose threads still run must be kept: Qt aborts the program when a running QThread
        is destroyed (one inference can outlast the wait on a loaded machine)."""
        if self.worker is not None:
            self.worker.stop()
        capture_stopped = self.capture.stop(3600.0 if timeout is None else timeout)  # a read blocked on a frozen stream ends by its own timeout
        if self.inference_thread is None:
            return capture_stopped
        self.inference_thread.quit()
        if timeout is None:
            self.inference_thread.wait()
        else:
            self.inference_thread.wait(int(timeout * 1000))
        return capture_stopped and self.inference_thread.isFinished()

    def stopped(self) -> bool:
        return not self.capture.is_alive() and (self.inference_thread is None or self.inference_thread.isFinished())


def latest_result_for_display(result: LiveResult | None, max_age: float, now: float) -> LiveResult | None:
    """The newest result is drawn until the next one is overdue: ``max_age`` seconds after its arrival plus the time it
    took (about the wait for the next one), so the boxes of an animal that left do not linger when results stop.

    Counted from the arrival, not from the capture: on a loaded machine every result came more than ``max_age`` after
    its frame (1.4-4.1 s under a CPU hog on 2 cores), and none was ever drawn."""
    if result is None or now - result.finished > max_age + result.latency:
        return None
    return result
