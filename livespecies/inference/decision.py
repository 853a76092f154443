"""What to claim about each observation: pure functions, no models involved.

Kept apart from the engine so that the live view can re-decide smoothed
probabilities with a slider's threshold, and so that the rules can be tested
from tables of plain numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from livespecies.inference.species_list import SpeciesList
from livespecies.inference.taxonomy import TaxonChoice, Taxonomy
from livespecies.types import Detection, Observation, Prediction, Result


@dataclass(frozen=True)
class DecisionSettings:
    """``threshold``: minimum summed probability of the claimed taxon.

    ``min_organism_mass``: a box whose classifier probability on living things
    (as opposed to ImageNet's objects and scenes) is below this is not an animal
    at all: the detector's people, cars and moving branches are dropped here.

    ``species``: a site's species list; taxa outside it are never claimed (see ``Taxonomy.restricted_to``), and
    listed animals no model can name stop the answers of the group that holds them (``OpenSet``).

    ``min_evidence``: the Bayes factor a taxon holding most of its group's labels needs against an evenly spread
    answer (``coarse_evidence`` for an order or a class); ``gap_evidence``: the Bayes factor of its best branch
    that an answer next to a gap in the vocabulary needs (all ``livespecies/inference/open_set.py``; 0 turns a
    rule off). The defaults were measured on real camera-trap frames (README, "Open-set decisions").
    """

    threshold: float = 0.5
    min_organism_mass: float = 0.5
    species: SpeciesList | None = None
    min_evidence: float = 5.0
    coarse_evidence: float = 20.0
    gap_evidence: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 <= self.min_organism_mass <= 1.0:
            raise ValueError(f"min_organism_mass must be in [0, 1], got {self.min_organism_mass}")
        for name in ("min_evidence", "coarse_evidence", "gap_evidence"):
            if not 0.0 <= getattr(self, name) <= 1e6:
                raise ValueError(f"{name} must be in [0, 1000000], got {getattr(self, name)}")


def decide_one(observation: Observation, taxonomy: Taxonomy, settings: DecisionSettings) -> Prediction | Detection | None:
    """A Prediction when a taxon reaches the threshold; the bare Detection when the
    classifier sees a living thing but cannot name it at any rank; None when it is
    not a living thing."""
    probabilities = observation.probabilities
    if taxonomy.organism_mass(probabilities) < settings.min_organism_mass:
        return None
    # No taxon is claimed while the single most probable label is not an animal: a user's model whose "empty" class
    # leads is not made to see "a mammal" because its several mammal classes share the rest (issue 17: 110 of 201
    # later empty frames of a real trail camera). The shipped ImageNet model never claimed a taxon over a leading
    # object label (measured on 1,900 real frames), so for it this changes nothing.
    leading_animal = bool(taxonomy.organism[int(np.argmax(probabilities))])
    choice = choose_taxon(probabilities, taxonomy, settings) if leading_animal else None
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


def choose_taxon(probabilities: npt.NDArray[np.float32], taxonomy: Taxonomy, settings: DecisionSettings) -> TaxonChoice | None:
    """The finest taxon that reaches the threshold, is allowed by the site list, and is supported by the evidence
    (``OpenSet.supported``)."""
    masses = taxonomy.masses(probabilities)
    candidates = (masses >= settings.threshold) & taxonomy.claimable
    groups = taxonomy.open_set.gap_groups if settings.gap_evidence > 0 else frozenset()
    if settings.species is not None:
        candidates &= taxonomy.allowed_by(settings.species.names)
        groups |= taxonomy.open_set.listed_groups(settings.species.names)
    supported = taxonomy.open_set.supported(masses, candidates, settings.min_evidence, settings.coarse_evidence, settings.gap_evidence,
                                            groups)  # fmt: skip
    return taxonomy.choose(masses, probabilities, supported)


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
