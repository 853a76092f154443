"""What to claim about each observation: pure functions, no models involved.

Kept apart from the engine so that the live view can re-decide smoothed
probabilities with a slider's threshold, and so that the rules can be tested
from tables of plain numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from livespecies.inference.species_list import SpeciesList
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Detection, Observation, Prediction, Result


@dataclass(frozen=True)
class DecisionSettings:
    """``threshold``: minimum summed probability of the claimed taxon.

    ``min_organism_mass``: a box whose classifier probability on living things
    (as opposed to ImageNet's objects and scenes) is below this is not an animal
    at all: the detector's people, cars and moving branches are dropped here.

    ``species``: a site's species list; taxa outside it are never claimed (see ``Taxonomy.restricted_to``).
    """

    threshold: float = 0.5
    min_organism_mass: float = 0.5
    species: SpeciesList | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 <= self.min_organism_mass <= 1.0:
            raise ValueError(f"min_organism_mass must be in [0, 1], got {self.min_organism_mass}")


def decide_one(observation: Observation, taxonomy: Taxonomy, settings: DecisionSettings) -> Prediction | Detection | None:
    """A Prediction when a taxon reaches the threshold; the bare Detection when the
    classifier sees a living thing but cannot name it at any rank; None when it is
    not a living thing."""
    probabilities = observation.probabilities
    if taxonomy.organism_mass(probabilities) < settings.min_organism_mass:
        return None
    allowed = taxonomy.allowed_by(settings.species.names) if settings.species is not None else None
    choice = taxonomy.decide(probabilities, settings.threshold, allowed)
    if choice is None:
        return observation.detection
    detection = observation.detection
    return Prediction(
        taxon=choice.taxon,
        confidence=choice.confidence,
        lineage=choice.lineage,
        box=detection.box,
        detector_score=detection.score,
        models=choice.models,
    )


def display_order(prediction: Prediction) -> tuple[bool, float]:
    """Named answers first, then "unidentified <class>" ones, each by confidence, highest first.

    A class always has a larger summed probability than anything inside it, so by confidence alone a second,
    poor box on the same bird ("unidentified bird 100 %") would come before the box that names it
    ("Common Kingfisher 98 %"), and tools that read the first answer would read the useless one.
    """
    return (prediction.taxon.rank == "class", -prediction.confidence)


def decide(
    observations: Sequence[Observation],
    taxonomy: Taxonomy,
    settings: DecisionSettings,
    width: int,
    height: int,
    mode: str,
) -> Result:
    """All observations of one image → a Result, predictions in ``display_order``."""
    predictions: list[Prediction] = []
    unidentified: list[Detection] = []
    for observation in observations:
        outcome = decide_one(observation, taxonomy, settings)
        if isinstance(outcome, Prediction):
            predictions.append(outcome)
        elif isinstance(outcome, Detection) and outcome.box is not None:
            unidentified.append(outcome)
    predictions.sort(key=display_order)
    return Result(width=width, height=height, predictions=tuple(predictions), unidentified=tuple(unidentified), mode=mode)
