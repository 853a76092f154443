"""What is reported for one box: a taxon, an 'unknown animal', or nothing (not a living thing)."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.inference.contract import LabelSpec
from livespecies.inference.decision import DecisionSettings, decide, decide_one, display_order
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Box, Detection, Observation, Prediction, Taxon
from tests.inference.test_taxonomy import TAXONOMY, probs

BOX = Box(0.1, 0.2, 0.3, 0.4)


def observation(vector: np.ndarray, box: Box | None = BOX, score: float | None = 0.9) -> Observation:
    return Observation(Detection(box, score), vector)


@pytest.mark.parametrize(
    ("vector", "outcome"),
    [
        (probs(brown_bear=0.95), "prediction"),
        # The detector fired on a car: mostly non-organism, so not an animal at all.
        (probs(brown_bear=0.3, sports_car=0.7), "nothing"),
        # Mostly living (0.6), but no taxon, not even the kingdom, reaches 0.7: an unknown animal.
        (probs(brown_bear=0.3, lion=0.3, sports_car=0.4), "unknown"),
    ],
)
def test_outcome_of_one_box(vector: np.ndarray, outcome: str) -> None:
    settings = DecisionSettings(threshold=0.7, min_organism_mass=0.5)
    result = decide_one(observation(vector), TAXONOMY, settings)
    kind = "prediction" if isinstance(result, Prediction) else "unknown" if isinstance(result, Detection) else "nothing"
    assert kind == outcome


def test_predictions_sorted_by_confidence_and_carry_box_and_detector_score() -> None:
    observations = [observation(probs(lion=0.75)), observation(probs(brown_bear=0.99), Box(0.5, 0.5, 0.2, 0.2), 0.4)]
    result = decide(observations, TAXONOMY, DecisionSettings(0.7), 640, 480, "detector")
    assert [p.taxon.name for p in result.predictions] == ["Ursus arctos", "Panthera leo"]
    assert result.predictions[0].box == Box(0.5, 0.5, 0.2, 0.2)
    assert result.predictions[0].detector_score == 0.4
    assert all(p.confidence >= 0.7 for p in result.predictions)


def test_whole_frame_observation_that_is_not_sure_reports_no_unknown_box() -> None:
    unsure = observation(probs(brown_bear=0.3, lion=0.3, sports_car=0.4), None, None)
    result = decide([unsure], TAXONOMY, DecisionSettings(0.7), 10, 10, "whole-frame")
    assert result.predictions == () and result.unidentified == ()


@pytest.mark.parametrize(("threshold", "organism"), [(0.0, 0.5), (1.1, 0.5), (0.5, -0.1), (0.5, 1.1)])
def test_settings_are_bounded(threshold: float, organism: float) -> None:
    with pytest.raises(ValueError):
        DecisionSettings(threshold, organism)


def test_unidentified_class_answers_come_after_named_ones() -> None:
    """Sorted by confidence alone, "unidentified bird 100 %" on a poor second box would be read first."""
    aves, animalia = Taxon("class", "Aves", "bird"), Taxon("kingdom", "Animalia", "animal")
    kingfisher = Taxon("species", "Alcedo atthis", "Common Kingfisher")
    unidentified = Prediction(aves, 1.0, (aves, animalia), BOX, 0.5)
    named = Prediction(kingfisher, 0.98, (kingfisher, aves, animalia), BOX, 0.9)
    coarse = Prediction(Taxon("order", "Coraciiformes"), 0.99, (Taxon("order", "Coraciiformes"), aves, animalia), BOX, 0.9)
    assert sorted([unidentified, named, coarse], key=display_order) == [coarse, named, unidentified]
    assert unidentified.label == "unidentified bird" and unidentified.scientific_name == "Aves"


def test_no_animal_when_a_non_animal_class_is_the_most_probable() -> None:
    """A camera's own model with an "empty" class: three mammal classes sharing 0.72 once made "Genus" (or "unidentified
    mammal") on later empty frames whose most probable class was "empty"."""
    empty = LabelSpec("empty", "empty frame", False)
    mammal = Taxon("class", "Mammalia", "mammal")
    specs = [empty, *(LabelSpec(n, n, True, (Taxon("species", f"Genus {n}", n), Taxon("genus", "Genus"), mammal)) for n in ("a", "b", "c"))]
    taxonomy = Taxonomy(specs)
    settings = DecisionSettings(0.7)
    leading_empty = observation(np.array([0.28, 0.25, 0.24, 0.23], dtype=np.float32))
    assert decide_one(leading_empty, taxonomy, settings) == leading_empty.detection  # at most an unnamed box, never a taxon
    leading_mammal = observation(np.array([0.2, 0.3, 0.26, 0.24], dtype=np.float32))
    outcome = decide_one(leading_mammal, taxonomy, settings)
    assert isinstance(outcome, Prediction) and outcome.taxon.name == "Genus"
