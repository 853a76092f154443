"""Training on the animal, not the landscape: crops from the shipped detector, or from snapshot sidecars.

Whole trail-camera frames are mostly grass. With ``--crop`` each training image
is replaced by the square crop of its best detection (the same crop the engine
classifies at run time), computed once and cached by the image's content hash.
Snapshots saved by the live window already know where the animal was: their
JSON sidecar's box is used instead of running the detector again, and the
annotated copy (boxes drawn on it) is never trained on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import cv2

from livespecies.capture.image_file import load_image
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.model_file import load_model
from livespecies.inference.preprocess import square_crop
from livespecies.sightings.snapshots import SIDECAR_SCHEMA
from livespecies.types import Box
from training.data.dataset import Dataset, Sample


@dataclass(frozen=True)
class CropReport:
    from_sidecar: int
    from_detector: int
    whole_image: int  # no animal found: kept whole, and listed in the report


def sidecar_box(path: Path) -> Box | None:
    """The best box a livespecies snapshot sidecar gives for ``NAME.raw.jpg``."""
    if not path.name.endswith(".raw.jpg"):
        return None
    sidecar = path.with_name(path.name[: -len(".raw.jpg")] + ".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("schema") != SIDECAR_SCHEMA:
        return None
    boxes = [(p["confidence"], p["box"]) for p in data.get("predictions", []) if p.get("box")]
    boxes += [(d.get("detector_confidence") or 0.0, d["box"]) for d in data.get("unidentified", []) if d.get("box")]
    if not boxes:
        return None
    x, y, w, h = max(boxes, key=lambda item: item[0])[1]
    return Box(x, y, w, h)


def _sidecar_bytes(path: Path) -> bytes:
    """A snapshot's sidecar is part of what its crop depends on (two sidecars, two boxes, one picture)."""
    if not path.name.endswith(".raw.jpg"):
        return b""
    try:
        return path.with_name(path.name[: -len(".raw.jpg")] + ".json").read_bytes()
    except OSError:
        return b""


def crop_dataset(dataset: Dataset, detector_path: Path, cache: Path, min_score: float = 0.25, padding: float = 0.15,
                 detector_size: int | None = None) -> tuple[Dataset, CropReport]:  # fmt: skip
    detector = AnimalDetector(load_model(detector_path, expect_kind="detector"), detector_size)
    tag = hashlib.sha256(f"{detector.model.sha256}:{min_score}:{padding}:{detector.spec.width}".encode()).hexdigest()[:10]
    cache.mkdir(parents=True, exist_ok=True)
    counts = {"sidecar": 0, "detector": 0, "whole": 0}
    samples: list[Sample] = []
    for sample in dataset.samples:
        key = hashlib.sha256(sample.path.read_bytes() + _sidecar_bytes(sample.path)).hexdigest()[:20]
        cached = sorted(cache.glob(f"{key}_{tag}_*.jpg"))
        if cached:
            counts[cached[0].stem.rsplit("_", 1)[1]] += 1
            samples.append(replace(sample, path=cached[0]))
            continue
        image = load_image(sample.path, target_long_side=2048).pixels
        h, w = image.shape[:2]
        box = sidecar_box(sample.path)
        kind = "sidecar"
        if box is None:
            detections = detector.detect(image, min_score)
            box = detections[0].box if detections else None
            kind = "detector" if box else "whole"
        if box is None:
            crop = square_crop(image, 0, 0, w, h, 0.0)
        else:
            x0, y0, x1, y1 = box.to_pixels(w, h)
            crop = square_crop(image, x0, y0, x1, y1, padding)
        target = cache / f"{key}_{tag}_{kind}.jpg"
        cv2.imwrite(str(target), crop, [cv2.IMWRITE_JPEG_QUALITY, 95])
        counts[kind] += 1
        samples.append(replace(sample, path=target))
    report = CropReport(counts["sidecar"], counts["detector"], counts["whole"])
    return replace(dataset, samples=samples), report
