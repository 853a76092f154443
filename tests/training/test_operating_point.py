"""Where a trained model works: the fitted temperature kept, its threshold chosen on validation frames."""

from __future__ import annotations

import numpy as np

from livespecies.inference.contract import LabelSpec
from livespecies.types import Taxon
from training.frame_eval import OPERATING_THRESHOLDS, operating_point, score

ANIMALIA = Taxon("kingdom", "Animalia", "animal")
MAMMALIA = Taxon("class", "Mammalia", "mammal")
FOX = LabelSpec("fox", "red fox", True, (Taxon("species", "Vulpes vulpes", "red fox"), Taxon("family", "Canidae", "dog family"), MAMMALIA, ANIMALIA))
DEER = LabelSpec("deer", "red deer", True, (Taxon("species", "Cervus elaphus", "red deer"), Taxon("family", "Cervidae", "deer family"),
                                           MAMMALIA, ANIMALIA))  # fmt: skip
EMPTY = LabelSpec("empty", "empty", False, ())
SPECS = (FOX, DEER, EMPTY)


def frames(sure: int, unsure_wrong: int) -> tuple[np.ndarray, list[int], list[int]]:
    """``sure`` foxes the model calls fox at ~0.97, and ``unsure_wrong`` foxes it calls deer at ~0.75: one view each."""
    rows = [[np.log(0.97), np.log(0.02), np.log(0.01)]] * sure + [[np.log(0.2), np.log(0.75), np.log(0.05)]] * unsure_wrong
    logits = np.array(rows, np.float32)
    return logits, list(range(len(rows))), [0] * len(rows)


def test_the_lowest_threshold_that_keeps_validation_frames_safe_at_the_fitted_temperature() -> None:
    logits, views, labels = frames(90, 10)
    assert score(logits, views, labels, SPECS, 1.0, 0.7).wrong == 10  # the engine's default would claim deer 10 times
    point = operating_point(logits, views, labels, SPECS, 1.0, max_wrong=0.05)
    assert point.temperature == 1.0 and point.threshold == 0.8  # the deer at 0.75 are no longer claimed; foxes at 0.97 are
    assert score(logits, views, labels, SPECS, point.temperature, point.threshold).right == 90
    assert "threshold 0.8" in point.why and "90% right, 0% wrong" in point.why


def test_a_model_safe_at_the_default_keeps_it() -> None:
    logits, views, labels = frames(100, 0)
    point = operating_point(logits, views, labels, SPECS, 1.0, max_wrong=0.05)
    assert (point.temperature, point.threshold) == (1.0, OPERATING_THRESHOLDS[0])


def test_when_no_threshold_is_safe_the_highest_is_kept_and_the_temperature_raised() -> None:
    sure_wrong = np.array([[np.log(0.01), np.log(0.98), np.log(0.01)]] * 20 + [[np.log(0.98), np.log(0.01), np.log(0.01)]] * 80, np.float32)
    views, labels = list(range(100)), [0] * 100
    point = operating_point(sure_wrong, views, labels, SPECS, 1.0, max_wrong=0.05)
    assert point.threshold == OPERATING_THRESHOLDS[-1] and point.temperature > 1.0
    assert "no threshold kept" in point.why


def test_no_validation_frames_keep_the_fitted_temperature_and_the_default() -> None:
    point = operating_point(np.zeros((0, 3), np.float32), [], [], SPECS, 1.3, 0.05)
    assert (point.temperature, point.threshold) == (1.3, 0.7)
