"""Following boxes between detector frames: sparse optical flow on a small grey copy of the frame.

Live, the detector runs on every k-th frame only (``detector_interval``); on the frames between, each track's box
is moved by the median motion of the corners found inside it (pyramidal Lucas–Kanade), and grows or shrinks by the
median change of their spread. No model runs, so a followed frame costs a few milliseconds instead of a detector
pass, and results keep flowing. A box whose corners are lost (most of them fail the forward-backward check: the
picture changed, another animal stepped in, the camera cut) is not followed at all: the models run on that frame
at once, so a label is never carried onto what the box no longer shows. Every box is put back on what the detector
sees at least every detector interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.inference.preprocess import Image
from livespecies.types import Box

Grey = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class FollowSettings:
    """``width``: the grey copy's width in pixels (flow on 1080p costs ten times more and moves boxes no better).
    ``target_rate``: results per second the detector interval is chosen for; ``max_interval``: seconds a new animal
    can wait for the detector, whatever the budget.

    On detector frames, a box on a track classified less than ``recheck`` seconds ago whose crop still looks the
    same (mean absolute difference of 16×16 grey thumbnails at most ``same_crop`` of the full scale) keeps the
    track's answer instead of running the classifiers again. Measured on a real photo: the same animal 8, 20 and
    40 px further on differs by 0.011, 0.029 and 0.041; a koala where the bear was by 0.17; the bear 20 % darker by
    0.11 (classified again: the light changed)."""

    width: int = 480
    target_rate: float = 12.0
    max_interval: float = 0.5
    max_corners: int = 40
    min_points: int = 4
    recheck: float = 1.0
    same_crop: float = 0.06

    def __post_init__(self) -> None:
        if self.width < 64 or self.target_rate <= 0 or self.max_interval <= 0 or self.min_points < 2 or self.recheck < 0:
            raise ValueError(f"invalid follow settings: {self}")


def thumbnail(crop: Image) -> npt.NDArray[np.float32]:
    """A 16×16 grey copy of a classifier crop, 0..1: enough to tell that the crop shows something else."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return np.asarray(cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA), dtype=np.float32) / 255.0


def looks_the_same(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32], settings: FollowSettings) -> bool:
    return float(np.abs(a - b).mean()) <= settings.same_crop


def grey_copy(image: Image, width: int) -> Grey:
    """The small grey frame flow runs on."""
    h, w = image.shape[:2]
    scale = min(1.0, width / w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else image
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def follow_box(previous: Grey, current: Grey, box: Box, settings: FollowSettings) -> Box | None:
    """Where ``box`` (in ``previous``) is in ``current``, moved by its corners' median flow; None when it cannot be
    followed (too few corners, or fewer than half of them come back to where they started)."""
    h, w = previous.shape[:2]
    x0, y0, x1, y1 = box.to_pixels(w, h)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    mask = np.zeros_like(previous)
    mask[y0:y1, x0:x1] = 255
    corners = cv2.goodFeaturesToTrack(previous, settings.max_corners, 0.01, 3, mask=mask)
    if corners is None or len(corners) < settings.min_points:
        return None
    moved, status, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, winSize=(15, 15), maxLevel=2)  # type: ignore[call-overload]
    back, back_status, _ = cv2.calcOpticalFlowPyrLK(current, previous, moved, None, winSize=(15, 15), maxLevel=2)  # type: ignore[call-overload]
    # Forward-backward check: a corner that does not come back to where it started was not followed.
    good = (status.ravel() == 1) & (back_status.ravel() == 1) & (np.linalg.norm((back - corners).reshape(-1, 2), axis=1) < 1.0)
    if int(good.sum()) < max(settings.min_points, len(corners) / 2):
        return None
    before, after = corners.reshape(-1, 2)[good], moved.reshape(-1, 2)[good]
    shift = np.median(after - before, axis=0)
    spread_before = np.linalg.norm(before - before.mean(axis=0), axis=1)
    spread_after = np.linalg.norm(after - after.mean(axis=0), axis=1)
    usable = spread_before > 1.0
    scale = float(np.clip(np.median(spread_after[usable] / spread_before[usable]), 0.8, 1.25)) if usable.sum() >= 2 else 1.0
    cx, cy = (x0 + x1) / 2 + float(shift[0]), (y0 + y1) / 2 + float(shift[1])
    half_w, half_h = box.w * w * scale / 2, box.h * h * scale / 2
    return Box.from_pixels(cx - half_w, cy - half_h, cx + half_w, cy + half_h, width=w, height=h)


def detector_interval(full_seconds: float, follow_seconds: float, settings: FollowSettings) -> int:
    """Run the detector on every k-th result: the smallest k whose average time per result fits ``target_rate``,
    and no larger than ``max_interval`` allows. 1 when detecting every frame already fits."""
    budget = 1.0 / settings.target_rate
    if full_seconds <= budget:
        return 1
    if follow_seconds >= budget:
        return 1  # following cannot help: every result costs more than the budget anyway
    k = int(np.ceil((full_seconds - follow_seconds) / (budget - follow_seconds)))
    # k results take about full + (k − 1) · follow seconds; a new animal waits at most that long.
    while k > 1 and full_seconds + (k - 1) * follow_seconds > settings.max_interval:
        k -= 1
    return max(1, k)
