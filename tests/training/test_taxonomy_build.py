"""The WordNet-derived lineages: the documented examples, the known pitfalls, and the shipped model's labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from livespecies.inference.contract import LabelSpec
from livespecies.inference.model_file import load_model
from livespecies.inference.taxonomy import Taxonomy
from training.build_default_models import imagenet_labels
from training.registry import DEFAULT_CACHE
from training.taxonomy.wordnet import WordNet


@pytest.fixture(scope="module")
def labels() -> list[LabelSpec]:
    built, _notes = imagenet_labels(Path(__file__).resolve().parents[2] / DEFAULT_CACHE, WordNet.load())
    return built


def by_name(labels: list[LabelSpec], name: str) -> LabelSpec:
    return next(label for label in labels if label.common_name == name)


def lineage(label: LabelSpec) -> list[str]:
    return [t.name for t in label.lineage if t.rank in ("species", "genus", "family", "order", "class", "phylum", "kingdom")]


def test_grey_fox_example_from_the_issue(labels: list[LabelSpec]) -> None:
    assert lineage(by_name(labels, "grey fox")) == [
        "Urocyon cinereoargenteus", "Urocyon", "Canidae", "Carnivora", "Mammalia", "Chordata", "Animalia"
    ]  # fmt: skip


def test_every_dog_breed_sits_under_canis_familiaris(labels: list[LabelSpec]) -> None:
    breeds = labels[151:269]  # ImageNet classes 151-268 are the dog breeds
    assert len(breeds) == 118
    for label in breeds:
        assert label.lineage[0].rank == "breed", label.common_name
        assert label.lineage[1].name == "Canis familiaris" and label.lineage[1].common_name == "dog"


@pytest.mark.parametrize("name", ["hen", "cock"])
def test_hen_and_cock_are_chickens(labels: list[LabelSpec], name: str) -> None:
    assert by_name(labels, name).lineage[1].name == "Gallus gallus"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("American black bear", "Ursus"),  # not WordNet's retired Euarctos
        ("ice bear", "Ursus"),  # "Ursus Maritimus" is capitalised in WordNet; not Thalarctos
        ("Dungeness crab", "Arthropoda"),  # WordNet's second "Decapoda" is a squid order
        ("mongoose", "Herpestidae"),
        ("skunk", "Mephitidae"),
        ("lesser panda", "Ailuridae"),
        ("giant panda", "Ursidae"),
        ("tusker", "Elephantidae"),
        ("whippet", "Canis familiaris"),  # a greyhound is also a "racer", an "animal": the binomial wins
    ],
)
def test_reviewed_corrections(labels: list[LabelSpec], name: str, expected: str) -> None:
    label = next(lab for lab in labels if lab.key and (lab.common_name == name or (name == "ice bear" and lab.common_name == "polar bear")
                                                         or (name == "lesser panda" and lab.common_name == "red panda")))  # fmt: skip
    assert expected in [t.name for t in label.lineage]


def test_people_and_objects_are_not_organisms(labels: list[LabelSpec]) -> None:
    for name in ("scuba diver", "groom", "ballplayer", "sports car", "valley"):
        assert not by_name(labels, name).organism


def test_plants_and_fungi_are_never_claimed(labels: list[LabelSpec]) -> None:
    # The program names animals; a hen's crop once became a "gyromitra" sighting (kingdom Fungi).
    for name in ("gyromitra", "bolete", "daisy", "coral fungus"):
        assert not by_name(labels, name).organism, name
    assert {t.name for label in labels if label.organism for t in label.lineage if t.rank == "kingdom"} == {"Animalia"}


def test_coverage_and_tree(labels: list[LabelSpec]) -> None:
    organisms = [label for label in labels if label.organism]
    ranks = [{t.rank for t in label.lineage} for label in organisms]
    assert 395 <= len(organisms) <= 405
    assert sum("species" in r for r in ranks) >= 250
    assert sum("genus" in r for r in ranks) >= 305  # 309 animals with a genus
    assert sum("family" in r for r in ranks) >= 365  # 368 (plants and fungi are not claimed)
    assert all("kingdom" in r for r in ranks)
    Taxonomy(labels)  # raises if any taxon had two parents


def test_shipped_classifier_carries_exactly_this_taxonomy(labels: list[LabelSpec], models_dir: Path) -> None:
    """If the builder or the corrections change, the shipped model must be rebuilt."""
    shipped = load_model(models_dir / "imagenet-ensemble-mnv2-lite0.onnx").contract.labels
    assert list(shipped) == labels
