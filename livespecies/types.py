"""The frozen records that flow between stages: image → detections → predictions → result.

Boxes are stored normalised to 0..1 from the top-left corner of the *upright*
image, so a result stays meaningful whatever size the image is shown or saved at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)
class Frame:
    """One captured frame: BGR pixels, a sequence number from its source, and when it was captured.

    ``timestamp`` is ``time.monotonic()`` (for latencies and rates); ``wall_time`` is
    ``time.time()`` (for snapshots and sighting logs).
    """

    seq: int
    timestamp: float
    wall_time: float
    pixels: npt.NDArray[np.uint8]

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True)
class Box:
    """An axis-aligned box, normalised to 0..1 of the image width and height."""

    x: float
    y: float
    w: float
    h: float

    def __post_init__(self) -> None:
        if not (self.w >= 0 and self.h >= 0):
            raise ValueError(f"box has negative size: {self}")

    @classmethod
    def from_pixels(cls, x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> Box:
        """Clip a pixel-space corner box to the image and normalise it."""
        cx0, cx1 = sorted((min(max(x0, 0.0), width), min(max(x1, 0.0), width)))
        cy0, cy1 = sorted((min(max(y0, 0.0), height), min(max(y1, 0.0), height)))
        return cls(cx0 / width, cy0 / height, (cx1 - cx0) / width, (cy1 - cy0) / height)

    def to_pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Corner coordinates (x0, y0, x1, y1) in whole pixels of an image of this size."""
        x0 = round(self.x * width)
        y0 = round(self.y * height)
        return x0, y0, round((self.x + self.w) * width), round((self.y + self.h) * height)

    def as_list(self) -> list[float]:
        return [self.x, self.y, self.w, self.h]


@dataclass(frozen=True)
class Taxon:
    """One level of a lineage. ``name`` is the scientific name where one is known, else the common name."""

    rank: str
    name: str
    common_name: str | None = None
    scientific: bool = True

    @property
    def scientific_name(self) -> str | None:
        return self.name if self.scientific else None

    @property
    def display_name(self) -> str:
        """What a person wants to read first: the common name when there is one."""
        return self.common_name or self.name


@dataclass(frozen=True)
class Detection:
    """A region the animal detector believes holds an animal; ``box`` None means the whole frame."""

    box: Box | None
    score: float | None


@dataclass(frozen=True, eq=False)
class Observation:
    """A detection plus the classifier's probabilities for it: the input to every decision.

    Kept separate from :class:`Prediction` so that a live view can smooth
    probabilities over frames, or re-apply a new threshold, without running the
    models again.
    """

    detection: Detection
    probabilities: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Prediction:
    """What we claim about one animal: the finest taxon whose probability reached the threshold."""

    taxon: Taxon
    confidence: float
    lineage: tuple[Taxon, ...]
    box: Box | None
    detector_score: float | None
    models: tuple[str, ...] = ()  # ids of the classifiers whose labels carry the claimed probability

    @property
    def label(self) -> str:
        """What a person reads: the common name; a class-level answer says it could go no finer."""
        if self.taxon.rank == "class":
            return f"unidentified {self.taxon.display_name}"
        return self.taxon.display_name

    @property
    def scientific_name(self) -> str | None:
        """The taxon's scientific name, or for a group without one ("zebra", a dog breed) that of the
        nearest ancestor that has one, so that every answer can be looked up."""
        return next((t.name for t in self.lineage if t.scientific), self.taxon.scientific_name)


@dataclass(frozen=True)
class Result:
    """Everything recognized in one image or frame.

    ``unidentified`` holds detections the detector was sure of but the
    classifier could not name at any rank at the threshold: the "unknown
    animal" boxes of the live view.
    """

    width: int
    height: int
    predictions: tuple[Prediction, ...]
    unidentified: tuple[Detection, ...] = field(default_factory=tuple)
    mode: str = "detector"
