"""The recognition engine: one image in, observations and a decided Result out.

    image ─► detector ─► square crops ─► generalist ─► (specialists, routed by scope) ─► Observations ─► decide() ─► Result
      └──────────── (no box, or detector off) whole frame ──┘

The engine is Qt-free and thread-agnostic: the GUI's worker thread, the
headless monitor and ``livespecies classify`` all call ``recognize``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from livespecies.inference.classifier import SpeciesClassifier
from livespecies.inference.decision import DecisionSettings, decide
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.preprocess import Image, square_crop
from livespecies.inference.specialists import RoutedClassifier, RoutingSettings
from livespecies.inference.species_list import SpeciesList
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Detection, Observation, Result

MODE_DETECTOR = "detector"
MODE_WHOLE_FRAME = "whole-frame"
MODE_FALLBACK = "whole-frame-fallback"
DEFAULT_THRESHOLD = 0.7  # for a classifier that names no threshold of its own (the shipped ones)


@dataclass(frozen=True)
class EngineSettings:
    """Every tunable of recognition, with the defaults chosen from measurements (see README)."""

    # None: the classifier's own default threshold (a trained model's contract names the one chosen on its
    # validation frames), else DEFAULT_THRESHOLD. A Recognizer always holds a number here.
    threshold: float | None = None
    detector_threshold: float = 0.25
    min_organism_mass: float = 0.5
    use_detector: bool = True
    whole_frame_fallback: bool = True
    crop_padding: float = 0.15
    max_detections: int = 20
    detector_size: int | None = None  # None: the detector's native size (640 for the shipped one)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    species: SpeciesList | None = None  # a site's species list: nothing outside it is claimed
    min_evidence: float = 5.0  # open-set rules (inference/open_set.py); 0 turns one off
    coarse_evidence: float = 20.0
    gap_evidence: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 < self.detector_threshold <= 1.0:
            raise ValueError(f"detector_threshold must be in (0, 1], got {self.detector_threshold}")
        if not 0.0 <= self.crop_padding <= 2.0:
            raise ValueError(f"crop_padding must be in [0, 2], got {self.crop_padding}")
        if not 1 <= self.max_detections <= 500:
            raise ValueError(f"max_detections must be in [1, 500], got {self.max_detections}")
        self.decision  # noqa: B018  (validates the decision settings)

    @property
    def decision(self) -> DecisionSettings:
        threshold = self.threshold if self.threshold is not None else DEFAULT_THRESHOLD
        return DecisionSettings(threshold, self.min_organism_mass, self.species, self.min_evidence, self.coarse_evidence,
                                self.gap_evidence)  # fmt: skip


def candidate_crops(
    image: Image, detector: AnimalDetector | None, settings: EngineSettings, crop_size: int
) -> tuple[str, list[Detection], list[Image]]:
    """What a classifier is shown for one image: the square crop (``settings.crop_padding`` larger than the box)
    of each detection, or the whole frame when there is no detector, or it finds nothing and the fallback is on.

    Training on a user's frames calls this too, so that a model is trained on exactly what it will be shown.
    """
    h, w = image.shape[:2]
    if detector is not None:
        detections = detector.detect(image, settings.detector_threshold, settings.max_detections)
        if detections:
            crops = []
            for detection in detections:
                assert detection.box is not None
                x0, y0, x1, y1 = detection.box.to_pixels(w, h)
                crops.append(square_crop(image, x0, y0, x1, y1, settings.crop_padding, crop_size))
            return MODE_DETECTOR, detections, crops
        if not settings.whole_frame_fallback:
            return MODE_DETECTOR, [], []
        mode = MODE_FALLBACK
    else:
        mode = MODE_WHOLE_FRAME
    return mode, [Detection(box=None, score=None)], [square_crop(image, 0, 0, w, h, 0.0, crop_size)]


def model_threshold(classifier: RoutedClassifier) -> float:
    """The threshold a classifier brings: the one its training chose (contract ``application.threshold``), else
    ``DEFAULT_THRESHOLD``."""
    own = classifier.generalist.model.contract.threshold
    return own if own is not None else DEFAULT_THRESHOLD


class Recognizer:
    def __init__(self, classifier: RoutedClassifier | SpeciesClassifier, detector: AnimalDetector | None, settings: EngineSettings) -> None:
        self.classifier = classifier if isinstance(classifier, RoutedClassifier) else RoutedClassifier(classifier)
        self.detector = detector
        # Whether someone chose the threshold (a flag, the slider, a config) or it is the classifier's own: a model
        # swapped in then brings its own.
        self.threshold_chosen = settings.threshold is not None
        self.settings = settings if self.threshold_chosen else replace(settings, threshold=model_threshold(self.classifier))

    @property
    def taxonomy(self) -> Taxonomy:
        return self.classifier.taxonomy

    @property
    def model_ids(self) -> dict[str, str]:
        """Every model in use, by role; specialists by the taxon they cover ("specialist Aves")."""
        ids = {"classifier": self.classifier.generalist.model.model_id}
        for specialist in self.classifier.specialists:
            ids[f"specialist {specialist.scope.name}"] = specialist.model_id
        if self.detector is not None:
            ids["detector"] = self.detector.model.model_id
        return ids

    def with_settings(self, **changes: Any) -> Recognizer:
        """The same loaded models with other settings (models are shared, not reloaded)."""
        if not self.threshold_chosen and "threshold" not in changes:
            changes["threshold"] = None  # still the classifier's own
        return Recognizer(self.classifier, self.detector, replace(self.settings, **changes))

    @property
    def threshold(self) -> float:
        """The threshold in use: the one chosen, else the classifier's own."""
        assert self.settings.threshold is not None  # resolved in __init__
        return self.settings.threshold

    @property
    def chosen_settings(self) -> EngineSettings:
        """The settings as they were asked for: threshold None when it is the classifier's own."""
        return self.settings if self.threshold_chosen else replace(self.settings, threshold=None)

    def observe(self, image: Image) -> tuple[str, list[Observation]]:
        """Run the models: which mode was used, and one observation per animal candidate."""
        mode, detections, crops = self.crops(image)
        probabilities = self.classifier.classify(crops, self.settings.routing)
        return mode, [Observation(d, p) for d, p in zip(detections, probabilities, strict=True)]

    def crops(self, image: Image) -> tuple[str, list[Detection], list[Image]]:
        """Run the detector: the mode used, the animal candidates, and the square crop the classifiers see for each
        (the whole frame, with no box, when the detector is off or finds nothing and the fallback is on).

        A classifier whose contract says it was trained on whole frames sees whole frames; one trained on detector
        crops with its own padding gets that padding.
        """
        application = self.classifier.generalist.model.contract.application
        detector = self.detector if self.settings.use_detector else None
        settings = self.settings
        if application is not None:
            if application.input == "whole-frame":
                detector = None
            settings = replace(settings, crop_padding=application.crop_padding)
        return candidate_crops(image, detector, settings, self.classifier.crop_size)

    def recognize(self, image: Image) -> Result:
        mode, observations = self.observe(image)
        h, w = image.shape[:2]
        return decide(observations, self.taxonomy, self.settings.decision, w, h, mode)
