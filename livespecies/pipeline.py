"""The live loop shared by the desktop window and headless monitoring, with no Qt in it.

    LatestFrame ─► LivePipeline.process(frame) ─► LiveResult ─► publish()
                     recognise → track + smooth → decide

``run_inference`` receives its collaborators and a stop event, so the GUI's
worker thread, a headless monitor and the tests run exactly the same loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from livespecies.capture.latest import LatestFrame, SkipCounter
from livespecies.inference.decision import display_order
from livespecies.inference.engine import Recognizer
from livespecies.inference.smoothing import SmoothingSettings, Track, update_tracks, visit_answer
from livespecies.types import Detection, Frame, Prediction, Result


@dataclass(frozen=True)
class LiveResult:
    """What the models made of one frame, tied to that frame by its sequence number and capture time."""

    frame: Frame
    result: Result
    track_ids: tuple[int, ...]  # the track of each prediction, in the same order
    started: float
    finished: float
    threshold: float
    # For each prediction, the answer its track's whole visit supports so far (what a sighting is named after).
    visit_answers: tuple[Prediction, ...] = ()

    @property
    def latency(self) -> float:
        """Capture to result, in seconds."""
        return self.finished - self.frame.timestamp

    @property
    def inference_seconds(self) -> float:
        return self.finished - self.started


class LivePipeline:
    def __init__(self, recognizer: Recognizer, smoothing: SmoothingSettings | None = None) -> None:
        self.recognizer = recognizer
        self.smoothing = smoothing or SmoothingSettings()
        self.tracks: list[Track] = []
        self._next_id = 1

    def process(self, frame: Frame, threshold: float) -> LiveResult:
        started = time.monotonic()
        mode, observations = self.recognizer.observe(frame.pixels)
        decision = replace(self.recognizer.settings.decision, threshold=threshold)
        self.tracks, seen, self._next_id = update_tracks(
            self.tracks, observations, frame.timestamp, self.recognizer.taxonomy, decision, self.smoothing, self._next_id
        )
        predictions: list[tuple[Prediction, int, Prediction]] = []
        unidentified: list[Detection] = []
        for track in seen:
            if isinstance(track.shown, Prediction):
                answer = visit_answer(track, self.recognizer.taxonomy)
                predictions.append((track.shown, track.track_id, answer if isinstance(answer, Prediction) else track.shown))
            elif isinstance(track.shown, Detection) and track.shown.box is not None:
                unidentified.append(track.shown)
        predictions.sort(key=lambda item: display_order(item[0]))
        result = Result(frame.width, frame.height, tuple(p for p, _, _ in predictions), tuple(unidentified), mode)
        return LiveResult(frame, result, tuple(i for _, i, _ in predictions), started, time.monotonic(), threshold,
                          tuple(a for _, _, a in predictions))  # fmt: skip

    def reset(self) -> None:
        """Forget all tracks (a new source)."""
        self.tracks = []


def run_inference(
    slot: LatestFrame,
    pipeline: LivePipeline,
    publish: Callable[[LiveResult], None],
    stop: threading.Event,
    threshold: Callable[[], float],
    on_error: Callable[[str], None],
    skips: SkipCounter | None = None,
) -> None:
    """Take the newest frame whenever the models are free; never work through a backlog."""
    last_seq = 0
    last_failure: str | None = None
    while not stop.is_set():
        frame = slot.wait_newer(last_seq, timeout=0.25)
        if frame is None:
            continue
        last_seq = frame.seq
        if skips is not None:
            skips.saw(frame.seq)
        try:
            live = pipeline.process(frame, threshold())
        except Exception as exc:
            # Reported when it starts or changes, not 30 times a second; the frame number is not part of
            # the key, or a failure that repeats on every frame would be reported on every frame.
            failure = f"{type(exc).__name__}: {exc}"
            if failure != last_failure:
                last_failure = failure
                on_error(f"Recognition failed on frame {frame.seq}: {failure}")
            continue
        last_failure = None
        publish(live)
