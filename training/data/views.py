"""What the model is trained on is what it will be shown: the engine's own crops of each frame.

A model trained on whole frames and then shown detector crops (or the other way
round) fails on the camera it was made for. So every frame becomes the
*views* the engine will make of it at run time (``engine.candidate_crops``):

* ``whole-frame``: the frame, squared, once.
* ``detector-crops``: the square crop of each detector box, or the whole frame
  when the detector finds nothing. On a frame labelled as an animal, boxes
  scoring at least half the best box's score are training examples of that
  animal (weaker boxes on the same frame are usually a rock or a branch, and are
  kept for evaluation only). On a frame labelled as a non-organism (empty,
  human, vehicle) **every** box is a training example of that class: these
  are the camera's own false positives (hard negatives), which the model must
  learn to call "empty".

Snapshots saved by the live window (and examples saved by its teach loop) know
where the animal was: their JSON sidecar's box is used instead of the detector.
Views are cached by the frame's content hash, so a second run costs nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2

from livespecies.capture.image_file import load_image
from livespecies.inference.contract import INPUT_KINDS
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.engine import EngineSettings, candidate_crops
from livespecies.inference.preprocess import square_crop
from training.data.crops import sidecar_box, sidecar_bytes
from training.data.dataset import Sample

WEAK_BOX = 0.5  # on an animal frame, boxes scoring below this share of the best box are not trained on


@dataclass(frozen=True)
class View:
    frame: int  # index of the frame (sample) it was made from
    path: Path  # the cached image the classifier sees
    source: str  # "whole", "detector", "sidecar" or "negative"
    trained: bool  # a training example of the frame's label (False: shown at evaluation only)


def build_views(
    samples: Sequence[Sample], organism: Sequence[bool], kind: str, detector: AnimalDetector | None, settings: EngineSettings,
    crop_size: int, cache: Path, on_step: Callable[[int, int], None] | None = None,
) -> list[View]:  # fmt: skip
    """Every view of every frame, in frame order (``organism[label]``: is the label an animal); ``on_step(done, total)``
    is told of each frame."""
    if kind not in INPUT_KINDS:
        raise ValueError(f"unknown input kind {kind!r}")
    cache.mkdir(parents=True, exist_ok=True)
    model = detector.model.sha256[:12] if detector is not None else "none"
    tag = hashlib.sha256(f"{kind}:{model}:{settings.detector_threshold}:{settings.crop_padding}:{crop_size}".encode()).hexdigest()[:10]
    views: list[View] = []
    for index, sample in enumerate(samples):
        key = hashlib.sha256(sample.path.read_bytes() + sidecar_bytes(sample.path)).hexdigest()[:20]
        index_file = cache / f"{key}_{tag}.json"
        if not index_file.is_file():
            made = _make_views(sample, organism[sample.label], kind, detector, settings, crop_size)
            entries = []
            for k, (pixels, source, trained) in enumerate(made):
                target = cache / f"{key}_{tag}_{k:02d}.jpg"
                cv2.imwrite(str(target), pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])
                entries.append({"file": target.name, "source": source, "trained": trained})
            index_file.write_text(json.dumps(entries))
        for entry in json.loads(index_file.read_text()):
            views.append(View(index, cache / entry["file"], entry["source"], entry["trained"]))
        if on_step is not None:
            on_step(index + 1, len(samples))
    return views


def _make_views(sample: Sample, is_organism: bool, kind: str, detector: AnimalDetector | None, settings: EngineSettings,
                crop_size: int) -> list[tuple[object, str, bool]]:  # fmt: skip
    image = load_image(sample.path, target_long_side=2048).pixels
    h, w = image.shape[:2]
    if kind == "whole-frame":
        return [(square_crop(image, 0, 0, w, h, 0.0, crop_size), "whole", True)]
    box = sidecar_box(sample.path)
    if box is not None:
        x0, y0, x1, y1 = box.to_pixels(w, h)
        return [(square_crop(image, x0, y0, x1, y1, settings.crop_padding, crop_size), "sidecar", True)]
    _, detections, crops = candidate_crops(image, detector, settings, crop_size)
    if detections[0].box is None:
        return [(crops[0], "whole", True)]
    best = max(d.score or 0.0 for d in detections)
    made: list[tuple[object, str, bool]] = []
    for detection, crop in zip(detections, crops, strict=True):
        if not is_organism:
            made.append((crop, "negative", True))
        else:
            made.append((crop, "detector", (detection.score or 0.0) >= WEAK_BOX * best))
    return made


def view_counts(views: Sequence[View]) -> Counter[str]:
    return Counter(v.source for v in views if v.trained)
