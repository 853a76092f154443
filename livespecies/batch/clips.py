"""Video clips in an archive: frames sampled at a set rate plus scene changes, one answer per clip.

Trail cameras that record clips rather than photos need what a photo gets, once per clip: the taxa seen over it,
each with its best confidence, when it was first and last seen, and the frame that shows it best. The clip is read
front to back once (OpenCV's FFmpeg); every frame is grabbed, only the sampled ones are decoded and recognized, so
memory stays that of one frame whatever the clip's length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.errors import ImageError
from livespecies.inference.decision import display_order
from livespecies.types import Prediction, Result

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".mkv", ".m4v"})
SCENE_CHECKS_PER_SECOND = 5.0  # how often a frame between samples is compared with the last sample
SCENE_CHANGE = 0.12  # mean absolute difference (0..1) of 32×18 grey thumbnails that counts as a new scene


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


@dataclass(frozen=True)
class ClipFrame:
    index: int  # frame number in the clip, from 0
    seconds: float
    result: Result


@dataclass(frozen=True)
class ClipTaxon:
    """One taxon over the whole clip: its prediction at the frame that shows it best."""

    prediction: Prediction
    first_seconds: float
    last_seconds: float
    best_frame: int


@dataclass(frozen=True)
class Clip:
    frame_rate: float
    frame_count: int  # frames read
    taxa: tuple[ClipTaxon, ...]
    frames: tuple[ClipFrame, ...]  # the sampled frames, in order


def _thumbnail(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    grey = cv2.cvtColor(cv2.resize(frame, (32, 18), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    return np.asarray(grey, dtype=np.float32) / 255.0


def summarise(frames: list[ClipFrame]) -> tuple[ClipTaxon, ...]:
    """The taxa of the sampled frames: each with its best prediction, first and last time, best frame."""
    best: dict[tuple[str, str], ClipTaxon] = {}
    for frame in frames:
        for prediction in frame.result.predictions:
            key = (prediction.taxon.rank, prediction.taxon.name)
            seen = best.get(key)
            if seen is None:
                best[key] = ClipTaxon(prediction, frame.seconds, frame.seconds, frame.index)
            elif prediction.confidence > seen.prediction.confidence:
                best[key] = ClipTaxon(prediction, seen.first_seconds, frame.seconds, frame.index)
            else:
                best[key] = replace(seen, last_seconds=frame.seconds)
    return tuple(sorted(best.values(), key=lambda t: display_order(t.prediction)))


def read_clip(path: Path, recognize: Callable[[npt.NDArray[np.uint8]], Result], rate: float = 1.0) -> tuple[Result, Clip]:
    """Recognize a clip's sampled frames; the clip's Result holds each taxon once, at its best frame."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    if size == 0:
        raise ImageError(f"{path} is empty (0 bytes).")
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise ImageError(f"{path} is not a video this program can read (broken, or a format FFmpeg does not know).")
        fps = capture.get(cv2.CAP_PROP_FPS)
        fps = fps if 0.5 <= fps <= 1000 else 30.0  # a header without a usable rate: assume a camera's 30
        declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        sample_every = max(1, round(fps / rate))
        check_every = max(1, round(fps / SCENE_CHECKS_PER_SECOND))
        frames: list[ClipFrame] = []
        last_sampled: npt.NDArray[np.float32] | None = None
        index = 0
        width = height = 0
        while capture.grab():
            due = index % sample_every == 0
            check = index % check_every == 0
            if due or check:
                ok, retrieved = capture.retrieve()
                if not ok or retrieved is None:
                    break
                pixels: npt.NDArray[np.uint8] = np.asarray(retrieved, dtype=np.uint8)
                height, width = pixels.shape[:2]
                thumb = _thumbnail(pixels)
                changed = last_sampled is not None and float(np.abs(thumb - last_sampled).mean()) > SCENE_CHANGE
                if due or changed:
                    frames.append(ClipFrame(index, index / fps, recognize(pixels)))
                    last_sampled = thumb
            index += 1
    finally:
        capture.release()
    if not frames:
        raise ImageError(f"{path} holds no readable video frames (broken or truncated).")
    if declared > 0 and index < declared - max(2, fps):
        raise ImageError(f"{path} is truncated: only {index / fps:.1f} s of its {declared / fps:.1f} s could be read.")
    taxa = summarise(frames)
    clip = Clip(fps, index, taxa, tuple(frames))
    return Result(width, height, tuple(t.prediction for t in taxa), (), frames[0].result.mode), clip
