"""The shipped models on real public-domain photos (tests/data/photos, truth in truth.csv).

These guard the whole chain (decode → detect → crop → classify → roll-up → decide)
and the shipped defaults. The figures they assert are the ones in the README;
if a change moves them, the README must move too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from livespecies.capture.image_file import load_image
from livespecies.inference.contract import RANK_ORDER
from livespecies.inference.engine import MODE_DETECTOR, Recognizer
from livespecies.types import Result
from training.evaluate_default import INFORMATIVE, Truth, grade, read_truth, score

TRUTHS = read_truth(Path(__file__).resolve().parents[1] / "data" / "photos")
IN_VOCABULARY = [t for t in TRUTHS if t.in_vocabulary]
OUT_OF_VOCABULARY = [t for t in TRUTHS if t.taxon is not None and not t.in_vocabulary]
BLANK = [t for t in TRUTHS if t.taxon is None]
# In-vocabulary photos on which the ImageNet ensemble is too unsure for a species at the default
# threshold; it must still say something true (a coarser taxon) and never something false.
ROLLS_UP = {"animals/explore_farm_animals-cat.webp", "animals/explore_farm_animals-cow.webp", "animals/explore_farm_animals-horse.webp",
            "fish/fish10.webp"}  # fmt: skip


@pytest.fixture(scope="module")
def results(recognizer: Recognizer, photos: Path) -> dict[str, Result]:
    return {t.path: recognizer.recognize(load_image(photos / t.path).pixels) for t in TRUTHS}


def outcome(results: dict[str, Result], truth: Truth, recognizer: Recognizer) -> str:
    return score(results[truth.path], truth, recognizer.taxonomy)


@pytest.mark.parametrize("truth", [t for t in IN_VOCABULARY if t.path not in ROLLS_UP], ids=lambda t: t.path)
def test_in_vocabulary_animals_are_named_at_their_species_or_genus(truth: Truth, results: dict[str, Result], recognizer: Recognizer) -> None:
    # The scarlet macaw is ImageNet's "macaw" and the bird specialist's Ara species: named as the genus Ara.
    assert grade(results[truth.path], truth, recognizer.taxonomy) in ("exact", "finer", "genus"), results[truth.path].predictions[:1]


@pytest.mark.parametrize("truth", [t for t in IN_VOCABULARY if t.path in ROLLS_UP], ids=lambda t: t.path)
def test_unsure_in_vocabulary_animals_get_a_true_coarser_answer_or_none(truth: Truth, results: dict[str, Result], recognizer: Recognizer) -> None:
    assert outcome(results, truth, recognizer) in ("exact", "rollup", "nothing")


@pytest.mark.parametrize("truth", BLANK, ids=lambda t: t.path)
def test_blank_scenes_report_nothing(truth: Truth, results: dict[str, Result]) -> None:
    assert results[truth.path].predictions == ()


def test_animals_outside_the_vocabulary_get_a_true_answer_at_class_or_finer_or_none(results: dict[str, Result], recognizer: Recognizer) -> None:
    """Giraffes, moose, narwhals, most fish: ImageNet has no class for them. Measured with the specialists and the
    no-answer-above-class rule: 11 informative (4 exact, 7 inside a truth known only to the genus or family),
    10 "unidentified <class>", 13 nothing, 3 wrong (see README). Guard against getting worse."""
    counts = Counter(grade(results[t.path], t, recognizer.taxonomy) for t in OUT_OF_VOCABULARY)
    assert sum(counts[g] for g in INFORMATIVE) >= 10, counts
    assert counts["wrong"] <= 4, counts


def test_no_answer_lacks_a_scientific_name_or_stands_above_class(results: dict[str, Result]) -> None:
    """ "placental (Eutheria)" and "vertebrate" help nobody; "zebra" must say Equus."""
    predictions = [p for result in results.values() for p in result.predictions]
    assert predictions
    for prediction in predictions:
        assert prediction.scientific_name, prediction
        rank = RANK_ORDER.index(prediction.taxon.rank)
        assert rank <= RANK_ORDER.index("order") or prediction.taxon.rank == "class", prediction
        if prediction.taxon.rank == "class":
            assert prediction.label.startswith("unidentified "), prediction


def test_several_animals_in_one_image_are_reported_separately(results: dict[str, Result]) -> None:
    hens = results["animals/explore_farm_animals-chicken.webp"]
    assert hens.mode == MODE_DETECTOR
    assert len(hens.predictions) >= 2
    assert all(p.taxon.name in ("hen", "cock", "Gallus gallus", "Gallus gallus domesticus") for p in hens.predictions)
    boxes = [p.box for p in hens.predictions]
    assert all(b is not None for b in boxes) and len({(round(b.x, 2), round(b.y, 2)) for b in boxes if b}) == len(boxes)


def test_rolled_up_answer_for_a_coin_flip_between_bears(recognizer: Recognizer, photos: Path) -> None:
    """Blend a brown-bear and a black-bear probability vector: the claim must be the genus Ursus."""
    image = load_image(photos / "animals/explore_world_animals-polar_bear.webp").pixels
    _, observations = recognizer.observe(image)
    labels = recognizer.classifier.labels
    brown = next(i for i, lab in enumerate(labels) if lab.common_name == "brown bear")
    black = next(i for i, lab in enumerate(labels) if lab.common_name == "American black bear")
    mixed = observations[0].probabilities * 0
    mixed[brown], mixed[black] = 0.45, 0.45
    choice = recognizer.taxonomy.decide(mixed, 0.7)
    assert choice is not None and (choice.taxon.rank, choice.taxon.name) == ("genus", "Ursus")


def test_whole_frame_mode_and_detector_off(recognizer: Recognizer, photos: Path) -> None:
    image = load_image(photos / "animals/explore_world_animals-polar_bear.webp").pixels
    whole = recognizer.with_settings(use_detector=False).recognize(image)
    assert whole.mode == "whole-frame" and whole.predictions[0].box is None
    assert whole.predictions[0].taxon.name == "Ursus maritimus"
    boxed = recognizer.recognize(image)
    assert boxed.mode == MODE_DETECTOR and boxed.predictions[0].box is not None


def test_fallback_classifies_a_close_up_the_detector_misses(recognizer: Recognizer, photos: Path) -> None:
    image = load_image(photos / "animals/explore_world_animals-dragon.webp").pixels
    assert recognizer.with_settings(whole_frame_fallback=False).recognize(image).predictions == ()
    result = recognizer.recognize(image)
    assert result.mode == "whole-frame-fallback"
    assert result.predictions[0].taxon.name == "Varanus komodoensis"


def test_threshold_changes_what_is_claimed_without_rerunning_models(recognizer: Recognizer, photos: Path) -> None:
    from livespecies.inference.decision import decide

    image = load_image(photos / "animals/explore_farm_animals-cat.webp").pixels
    mode, observations = recognizer.observe(image)
    h, w = image.shape[:2]
    loose = decide(observations, recognizer.taxonomy, replace(recognizer.settings.decision, threshold=0.3), w, h, mode)
    strict = decide(observations, recognizer.taxonomy, replace(recognizer.settings.decision, threshold=0.95), w, h, mode)
    rank_order = [t.rank for t in loose.predictions[0].lineage]
    # A stricter threshold can only move the claim up the same lineage (or drop it).
    assert not strict.predictions or strict.predictions[0].taxon.rank in rank_order
