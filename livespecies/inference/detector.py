"""The animal detector stage: image → boxes with scores.

Runs a YOLOX-format ONNX detector (the shipped MegadetectorLite, or any model
whose contract declares ``scores: yolox``) and applies score filtering and
non-maximum suppression in numpy.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from livespecies.errors import ModelError
from livespecies.inference.contract import InputSpec
from livespecies.inference.model_file import LoadedModel
from livespecies.inference.preprocess import Image, letterbox
from livespecies.types import Box, Detection

# A box lying at least this much inside a better box is a part of the same animal (a head, a
# leg), not a second animal: IoU alone keeps it, because the areas differ so much.
CONTAINED = 0.8


def non_max_suppression(
    corners: npt.NDArray[np.float32], scores: npt.NDArray[np.float32], iou: float, contained: float = CONTAINED
) -> list[int]:
    """Indices of the boxes kept, best first: each overlaps every better kept box by less than
    ``iou``, and no more than ``contained`` of its own area lies inside one."""
    order = np.argsort(-scores, kind="stable")
    x0, y0, x1, y1 = corners.T
    areas = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        ix0 = np.maximum(x0[best], x0[rest])
        iy0 = np.maximum(y0[best], y0[rest])
        ix1 = np.minimum(x1[best], x1[rest])
        iy1 = np.minimum(y1[best], y1[rest])
        inter = np.maximum(ix1 - ix0, 0) * np.maximum(iy1 - iy0, 0)
        union = areas[best] + areas[rest] - inter
        overlap = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
        inside = np.where(areas[rest] > 0, inter / np.maximum(areas[rest], 1e-9), 1.0)
        order = rest[(overlap < iou) & (inside < contained)]
    return keep


def detector_input(model: LoadedModel, size: int | None) -> InputSpec:
    """The model's input spec, resized to ``size`` when the graph allows other sizes."""
    spec = model.contract.input
    if size is None or size == spec.height == spec.width:
        return spec
    multiple = spec.size_multiple
    if not multiple:
        raise ModelError(f"Detector {model.path} only takes {spec.width}×{spec.height} input; it cannot run at {size}.")
    if size % multiple or not 128 <= size <= 2048:
        raise ModelError(f"Detector size {size} must be a multiple of {multiple} between 128 and 2048 (for example 416, 512 or 640).")
    return replace(spec, height=size, width=size, resize_size=size)


class AnimalDetector:
    """Finds animals; boxes come back normalised to the image they were found in."""

    def __init__(self, model: LoadedModel, input_size: int | None = None) -> None:
        if model.contract.kind != "detector":
            raise ModelError(f"Model file {model.path} is a {model.contract.kind}, not a detector.")
        self.model = model
        self.spec = detector_input(model, input_size)
        self.nms_iou = model.contract.output.nms_iou
        self._output = [model.contract.output.name]
        # Warm up at load: the first onnxruntime run allocates and plans memory and takes several
        # times longer than later ones, which would otherwise land on the first live frame.
        self._run(np.zeros((1, 3, self.spec.height, self.spec.width), dtype=np.float32))

    def _run(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        result = self.model.session.run(self._output, {self.spec.name: batch})[0]
        return np.asarray(result, dtype=np.float32)

    def detect(self, image: Image, min_score: float, max_detections: int = 50) -> list[Detection]:
        tensor, geometry = letterbox(image, self.spec)
        raw = self._run(tensor[None])[0]  # anchors × (cx, cy, w, h, objectness, class scores…)
        scores = raw[:, 4] * raw[:, 5:].max(axis=1)
        chosen = scores >= min_score
        if not chosen.any():
            return []
        raw, scores = raw[chosen], scores[chosen]
        corners = np.stack(
            [raw[:, 0] - raw[:, 2] / 2, raw[:, 1] - raw[:, 3] / 2, raw[:, 0] + raw[:, 2] / 2, raw[:, 1] + raw[:, 3] / 2],
            axis=1,
        ).astype(np.float32) / np.float32(geometry.scale)
        keep = non_max_suppression(corners, scores, self.nms_iou)[:max_detections]
        detections = []
        for index in keep:
            x0, y0, x1, y1 = corners[index].tolist()
            box = Box.from_pixels(x0, y0, x1, y1, width=geometry.width, height=geometry.height)
            if box.w > 0 and box.h > 0:
                detections.append(Detection(box=box, score=float(scores[index])))
        return detections
