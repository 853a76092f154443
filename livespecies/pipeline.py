"""The live loop shared by the desktop window and headless monitoring, with no Qt in it.

    LatestFrame ─► LivePipeline.process(frame) ─► LiveResult ─► publish()
                     recognize → track + smooth → decide          (a detector frame)
                     follow the tracks' boxes by optical flow       (the frames between, when following is on)

``run_inference`` receives its collaborators and a stop event, so the GUI's
worker thread, a headless monitor and the tests run exactly the same loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from livespecies.inference.decision import display_order
from livespecies.inference.engine import Recognizer
from livespecies.inference.following import FollowSettings, Grey, detector_interval, follow_box, grey_copy, looks_the_same, thumbnail
from livespecies.inference.smoothing import SmoothingSettings, Track, iou, moved_to, update_tracks, visit_answer
from livespecies.types import Detection, Frame, Observation, Prediction, Result


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
    # False on a followed frame: the boxes were moved by optical flow and the labels carried, no model ran.
    detected: bool = True

    @property
    def latency(self) -> float:
        """Capture to result, in seconds."""
        return self.finished - self.frame.timestamp

    @property
    def inference_seconds(self) -> float:
        return self.finished - self.started


class LivePipeline:
    """``follow``: run the detector on every k-th frame only, k chosen from the measured time of each kind of
    result (``following.detector_interval``), and follow the boxes by optical flow in between. Off by default:
    the headless watcher, whose cameras share one set of models, detects on every frame it takes."""

    def __init__(self, recognizer: Recognizer, smoothing: SmoothingSettings | None = None, follow: FollowSettings | None = None) -> None:
        self.recognizer = recognizer
        self.smoothing = smoothing or SmoothingSettings()
        self.follow = follow
        self.tracks: list[Track] = []
        self._next_id = 1
        self._reset_following()

    def _reset_following(self) -> None:
        self._grey: Grey | None = None
        self._shown: list[int] = []  # ids of the tracks in the last result, in its order
        self._mode = "detector"
        self._threshold = -1.0
        self._since_detection = 0
        self._full_seconds = 0.0  # running means of the wall time of each kind of result
        self._follow_seconds = 0.005
        self._classified: dict[int, tuple[float, npt.NDArray[np.float32]]] = {}  # track id → when, crop thumbnail
        self.reused = 0  # crops whose track's answer was kept instead of classifying them again

    @property
    def interval(self) -> int:
        """The detector runs on every ``interval``-th result now."""
        if self.follow is None:
            return 1
        return detector_interval(self._full_seconds, self._follow_seconds, self.follow)

    def _may_follow(self, threshold: float) -> bool:
        return (
            self.follow is not None
            and self.recognizer.detector is not None
            and self.recognizer.settings.use_detector
            and self._grey is not None
            and threshold == self._threshold  # a new threshold is decided on a detector frame, at once
            and self._since_detection < self.interval
        )

    def process(self, frame: Frame, threshold: float) -> LiveResult:
        started = time.monotonic()
        if self._may_follow(threshold):
            live = self._followed(frame, threshold, started)
            if live is not None:
                self._follow_seconds = 0.8 * self._follow_seconds + 0.2 * live.inference_seconds
                self._since_detection += 1
                return live
        if self.follow is None:
            mode, observations = self.recognizer.observe(frame.pixels)
            fresh: dict[int, npt.NDArray[np.float32]] = {}
        else:
            mode, observations, fresh = self._observe_new_and_changed(frame)
        decision = replace(self.recognizer.settings.decision, threshold=threshold)
        self.tracks, seen, self._next_id = update_tracks(
            self.tracks, observations, frame.timestamp, self.recognizer.taxonomy, decision, self.smoothing, self._next_id
        )
        if self.follow is not None:
            # seen[i] is the track observation i went to: remember when and what its crop was when classified.
            alive = {t.track_id for t in self.tracks}
            self._classified = {k: v for k, v in self._classified.items() if k in alive}
            for index, thumb in fresh.items():
                self._classified[seen[index].track_id] = (frame.timestamp, thumb)
            self._grey = grey_copy(frame.pixels, self.follow.width)
        self._mode, self._threshold, self._since_detection = mode, threshold, 1
        live = self._result(frame, seen, mode, started, threshold, detected=True)
        self._full_seconds = live.inference_seconds if not self._full_seconds else 0.8 * self._full_seconds + 0.2 * live.inference_seconds
        return live

    def _observe_new_and_changed(self, frame: Frame) -> tuple[str, list[Observation], dict[int, npt.NDArray[np.float32]]]:
        """Detect, then classify only the crops that are new or changed: a box on a track classified less than
        ``recheck`` seconds ago whose crop still looks the same keeps that track's answer (its mean). Returns the
        mode, the observations, and the thumbnails of the crops classified now, by observation index."""
        assert self.follow is not None
        mode, detections, crops = self.recognizer.crops(frame.pixels)
        kept: dict[int, npt.NDArray[np.float32]] = {}
        thumbs = [thumbnail(crop) for crop in crops]
        claimed: set[int] = set()
        for index, detection in enumerate(detections):
            best = max(((iou(t.box, detection.box), t) for t in self.tracks if t.box is not None and t.track_id not in claimed),
                       key=lambda pair: pair[0], default=(0.0, None))  # fmt: skip
            overlap, track = best
            if track is None or overlap < 0.5 or track.track_id not in self._classified:
                continue
            when, thumb = self._classified[track.track_id]
            if frame.timestamp - when < self.follow.recheck and looks_the_same(thumb, thumbs[index], self.follow):
                kept[index] = track.mean
                claimed.add(track.track_id)
        todo = [i for i in range(len(crops)) if i not in kept]
        probabilities = self.recognizer.classifier.classify([crops[i] for i in todo], self.recognizer.settings.routing)
        rows = dict(zip(todo, probabilities, strict=True)) | kept
        self.reused += len(kept)
        observations = [Observation(d, rows[i]) for i, d in enumerate(detections)]
        return mode, observations, {i: thumbs[i] for i in todo}

    def _followed(self, frame: Frame, threshold: float, started: float) -> LiveResult | None:
        """Move the boxes of the tracks last shown by optical flow; labels, scores and evidence stay as they were.
        None when any box cannot be followed: then the models must look at this frame."""
        assert self.follow is not None and self._grey is not None
        grey = grey_copy(frame.pixels, self.follow.width)
        by_id = {track.track_id: track for track in self.tracks}
        seen: list[Track] = []
        for track_id in self._shown:
            track = by_id.get(track_id)
            if track is None:
                continue
            if track.box is None:
                return None  # a whole-frame answer (the detector found nothing): only the models can tell what changed
            box = follow_box(self._grey, grey, track.box, self.follow)
            if box is None:
                return None
            track = moved_to(track, box)
            by_id[track_id] = track
            seen.append(track)
        self.tracks = [by_id.get(t.track_id, t) for t in self.tracks]
        self._grey = grey
        return self._result(frame, seen, self._mode, started, threshold, detected=False)

    def _result(self, frame: Frame, seen: list[Track], mode: str, started: float, threshold: float, detected: bool) -> LiveResult:
        predictions: list[tuple[Prediction, int, Prediction]] = []
        unidentified: list[Detection] = []
        self._shown = []
        for track in seen:
            if isinstance(track.shown, Prediction):
                answer = visit_answer(track, self.recognizer.taxonomy)
                predictions.append((track.shown, track.track_id, answer if isinstance(answer, Prediction) else track.shown))
                self._shown.append(track.track_id)
            elif isinstance(track.shown, Detection) and track.shown.box is not None:
                unidentified.append(track.shown)
                self._shown.append(track.track_id)
        predictions.sort(key=lambda item: display_order(item[0]))
        result = Result(frame.width, frame.height, tuple(p for p, _, _ in predictions), tuple(unidentified), mode)
        return LiveResult(frame, result, tuple(i for _, i, _ in predictions), started, time.monotonic(), threshold,
                          tuple(a for _, _, a in predictions), detected)  # fmt: skip

    def reset(self) -> None:
        """Forget all tracks (a new source)."""
        self.tracks = []
        self._reset_following()
