"""Motion gating: a camera whose scene has not changed does not run the detector on every frame.

After Frigate's motion detector (``frigate/motion/improved_motion.py``): the frame
is shrunk to a small grey image and blurred, compared with a running-average
background, and the differences above ``pixel_threshold`` are dilated into
regions; the scene *changed* when a region covers at least ``min_area`` of the
frame. A change over ``recalibrate_above`` of the frame is light, not an animal
(the camera switched to infrared, a cloud passed, the exposure jumped): the
background is reset to the new frame. The detector also runs every
``check_every`` seconds whatever the background says, so an animal that stands
still (and slowly becomes background) is still seen and its visit kept open.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.watch.config import Motion

WORK_HEIGHT = 120  # pixels: enough for a fox at 20 m on a 1080p camera, cheap at any frame size (~1 ms)


@dataclass(frozen=True)
class MotionVerdict:
    changed: bool  # a region large enough changed
    area: float  # share of the frame in changed regions
    recalibrated: bool  # the whole scene changed (light): background reset


def inference_due(verdict: MotionVerdict, since_last_inference: float | None, check_every: float) -> bool:
    """Run the models on this frame? On motion, after a recalibration (the scene is new), on the first frame, and at
    least every ``check_every`` seconds."""
    if since_last_inference is None or verdict.changed or verdict.recalibrated:
        return True
    return since_last_inference >= check_every


class MotionGate:
    def __init__(self, settings: Motion) -> None:
        self.settings = settings
        self._background: npt.NDArray[np.float32] | None = None
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        self.last_inference: float | None = None

    def check(self, pixels: npt.NDArray[np.uint8]) -> MotionVerdict:
        """Compare with the background, then fold the frame into it."""
        grey = self._small_grey(pixels)
        if self._background is None or self._background.shape != grey.shape:
            self._background = grey.astype(np.float32)
            return MotionVerdict(changed=False, area=0.0, recalibrated=True)
        difference = cv2.absdiff(grey, cv2.convertScaleAbs(self._background))
        _, mask = cv2.threshold(difference, self.settings.pixel_threshold, 255, cv2.THRESH_BINARY)
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        total = float(mask.size)
        changed_share = float(np.count_nonzero(mask)) / total
        if changed_share >= self.settings.recalibrate_above:
            self._background = grey.astype(np.float32)
            return MotionVerdict(changed=False, area=changed_share, recalibrated=True)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        largest = max((cv2.contourArea(c) for c in contours), default=0.0) / total
        cv2.accumulateWeighted(grey, self._background, self.settings.background_alpha)
        return MotionVerdict(changed=largest >= self.settings.min_area, area=changed_share, recalibrated=False)

    def should_infer(self, pixels: npt.NDArray[np.uint8], now: float) -> bool:
        """The gate's whole decision for one frame (``now``: the frame's monotonic time); remembers when it said yes."""
        if not self.settings.enabled:
            self.last_inference = now
            return True
        verdict = self.check(pixels)
        since = None if self.last_inference is None else now - self.last_inference
        if inference_due(verdict, since, self.settings.check_every):
            self.last_inference = now
            return True
        return False

    @staticmethod
    def _small_grey(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        h, w = pixels.shape[:2]
        width = max(1, round(w * WORK_HEIGHT / h))
        small = cv2.resize(pixels, (width, WORK_HEIGHT), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return np.asarray(cv2.GaussianBlur(grey, (5, 5), 0), dtype=np.uint8)
