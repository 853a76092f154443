"""The roll-up rule on small hand-made taxonomies: each row is a case a user would meet."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.errors import ModelError
from livespecies.inference.contract import LabelSpec
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Taxon

ANIMALIA = Taxon("kingdom", "Animalia", "animal")
MAMMALIA = Taxon("class", "Mammalia", "mammal")
CARNIVORA = Taxon("order", "Carnivora", "carnivore")
URSIDAE = Taxon("family", "Ursidae", "bear")
URSUS = Taxon("genus", "Ursus")
CANIS_FAMILIARIS = Taxon("species", "Canis familiaris", "dog")
CANIS = Taxon("genus", "Canis")
CANIDAE = Taxon("family", "Canidae", "canine")
FELIDAE = Taxon("family", "Felidae", "feline")


def species(name: str, common: str, *above: Taxon) -> LabelSpec:
    return LabelSpec(common, common, True, (Taxon("species", name, common), *above))


def breed(name: str) -> LabelSpec:
    own = Taxon("breed", name, name, scientific=False)
    return LabelSpec(name, name, True, (own, CANIS_FAMILIARIS, CANIS, CANIDAE, CARNIVORA, MAMMALIA, ANIMALIA))


LABELS = [
    species("Ursus arctos", "brown bear", URSUS, URSIDAE, CARNIVORA, MAMMALIA, ANIMALIA),
    species("Ursus americanus", "American black bear", URSUS, URSIDAE, CARNIVORA, MAMMALIA, ANIMALIA),
    breed("beagle"),
    breed("basset"),
    species("Panthera leo", "lion", Taxon("genus", "Panthera"), FELIDAE, CARNIVORA, MAMMALIA, ANIMALIA),
    species("Lynx lynx", "lynx", Taxon("genus", "Lynx"), FELIDAE, CARNIVORA, MAMMALIA, ANIMALIA),
    LabelSpec("car", "sports car", False),
]
TAXONOMY = Taxonomy(LABELS)


def probs(**named: float) -> np.ndarray:
    by_name = {label.common_name: i for i, label in enumerate(LABELS)}
    vector = np.zeros(len(LABELS), dtype=np.float32)
    for name, value in named.items():
        vector[by_name[name.replace("_", " ")]] = value
    return vector


@pytest.mark.parametrize(
    ("probabilities", "threshold", "expected"),
    [
        # Sure of the species: the species.
        (probs(brown_bear=0.9, American_black_bear=0.05), 0.7, ("species", "Ursus arctos")),
        # A coin flip between two bears: the genus they share, not a guess.
        (probs(brown_bear=0.45, American_black_bear=0.40), 0.7, ("genus", "Ursus")),
        # An uncertain breed: "dog".
        (probs(beagle=0.5, basset=0.45), 0.7, ("species", "Canis familiaris")),
        # A cat the model has no species for, split over two cats: the family.
        (probs(lion=0.4, lynx=0.35), 0.7, ("family", "Felidae")),
        # Spread over bears and cats: the order.
        (probs(brown_bear=0.4, lion=0.4), 0.7, ("order", "Carnivora")),
        # Lowering the threshold lets the species through.
        (probs(brown_bear=0.45, American_black_bear=0.40), 0.45, ("species", "Ursus arctos")),
        # Below one half two siblings can pass: the more probable one wins.
        (probs(brown_bear=0.35, American_black_bear=0.40), 0.3, ("species", "Ursus americanus")),
        # Mostly a car: even the kingdom does not reach the threshold.
        (probs(brown_bear=0.2, sports_car=0.8), 0.5, None),
    ],
)
def test_finest_taxon_reaching_threshold_is_claimed(probabilities: np.ndarray, threshold: float, expected: tuple[str, str] | None) -> None:
    choice = TAXONOMY.decide(probabilities, threshold)
    if expected is None:
        assert choice is None
    else:
        assert choice is not None
        assert (choice.taxon.rank, choice.taxon.name) == expected
        assert np.float32(choice.confidence) >= np.float32(threshold)  # compared in the model's float32
        assert choice.lineage[0] == choice.taxon and choice.lineage[-1].name == "Animalia"


def test_masses_sum_up_the_tree() -> None:
    masses = TAXONOMY.masses(probs(brown_bear=0.3, American_black_bear=0.2, beagle=0.1, lion=0.05))
    named = {(t.rank, t.name): float(m) for t, m in zip(TAXONOMY.taxa, masses, strict=True)}
    assert named[("genus", "Ursus")] == pytest.approx(0.5)
    assert named[("order", "Carnivora")] == pytest.approx(0.65)
    assert named[("kingdom", "Animalia")] == pytest.approx(0.65)
    assert TAXONOMY.organism_mass(probs(brown_bear=0.3, sports_car=0.7)) == pytest.approx(0.3)


def test_common_name_comes_from_any_label_that_knows_it() -> None:
    anonymous = LabelSpec("x", "x", True, (Taxon("species", "Ursus arctos"), Taxon("genus", "Ursus"), Taxon("kingdom", "Animalia")))
    named = LabelSpec("y", "y", True, (Taxon("species", "Ursus maritimus"), Taxon("genus", "Ursus", "bear genus"), Taxon("kingdom", "Animalia")))
    taxonomy = Taxonomy([anonymous, named])
    assert {t.name: t.common_name for t in taxonomy.taxa}["Ursus"] == "bear genus"


def test_a_taxon_with_two_parents_is_refused() -> None:
    a = LabelSpec("a", "a", True, (Taxon("genus", "Ursus"), Taxon("family", "Ursidae"), ANIMALIA))
    b = LabelSpec("b", "b", True, (Taxon("genus", "Ursus"), Taxon("family", "Canidae"), ANIMALIA))
    with pytest.raises(ModelError, match="not a tree"):
        Taxonomy([a, b])


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_threshold_outside_zero_one_is_a_programming_error(threshold: float) -> None:
    with pytest.raises(ValueError):
        TAXONOMY.decide(probs(brown_bear=1.0), threshold)
