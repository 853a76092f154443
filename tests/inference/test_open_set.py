"""The open-set rules on hand-made trees: a lopsided vocabulary must not manufacture a family, and a gap beside a
known family (deer beside the bovids) must not turn an elk into "Bovidae". Each row is a case a user would meet."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.inference.contract import LabelSpec
from livespecies.inference.decision import DecisionSettings, choose_taxon
from livespecies.inference.open_set import MIN_GROUP_LABELS, camera_trap_taxa, place
from livespecies.inference.species_list import SpeciesList, unknown_names_warning
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Taxon

ANIMALIA = Taxon("kingdom", "Animalia", "animal")
CHORDATA = Taxon("phylum", "Chordata")
MAMMALIA = Taxon("class", "Mammalia", "mammal")
AVES = Taxon("class", "Aves", "bird")
CARNIVORA = Taxon("order", "Carnivora", "carnivore")
CANIDAE = Taxon("family", "Canidae", "canine")
FELIDAE = Taxon("family", "Felidae", "feline")
ARTIODACTYLA = Taxon("order", "Artiodactyla", "even-toed ungulate")
BOVIDAE = Taxon("family", "Bovidae", "bovid")
CERVIDAE = Taxon("family", "Cervidae", "deer")
SUIDAE = Taxon("family", "Suidae", "pig")


def species(name: str, *above: Taxon) -> LabelSpec:
    genus = Taxon("genus", name.split()[0])
    return LabelSpec(name, name, True, (Taxon("species", name, name), genus, *above, CHORDATA, ANIMALIA))


def breed(name: str) -> LabelSpec:
    """A dog breed: ImageNet has 118, which is what makes its vocabulary lopsided."""
    return LabelSpec(name, name, True, (Taxon("breed", name, name, scientific=False), Taxon("species", "Canis familiaris", "dog"),
                                        Taxon("genus", "Canis"), CANIDAE, CARNIVORA, MAMMALIA, CHORDATA, ANIMALIA))  # fmt: skip


BREEDS = [breed(f"breed {i}") for i in range(12)]
CARNIVORES = [*BREEDS, species("Vulpes vulpes", CANIDAE, CARNIVORA, MAMMALIA), species("Panthera leo", FELIDAE, CARNIVORA, MAMMALIA),
              species("Lynx lynx", FELIDAE, CARNIVORA, MAMMALIA)]  # fmt: skip
UNGULATES = [species(name, BOVIDAE, ARTIODACTYLA, MAMMALIA) for name in ("Bos taurus", "Ovis aries", "Aepyceros melampus", "Gazella gazella")]
UNGULATES.append(species("Sus scrofa", SUIDAE, ARTIODACTYLA, MAMMALIA))
BIRDS = [species(name, Taxon("family", family), Taxon("order", order), AVES)
         for name, family, order in (("Parus major", "Paridae", "Passeriformes"), ("Pica pica", "Corvidae", "Passeriformes"))]  # fmt: skip
LABELS = [*CARNIVORES, *UNGULATES, *BIRDS, LabelSpec("car", "sports car", False)]
TAXONOMY = Taxonomy(LABELS)
DEFAULT = DecisionSettings(threshold=0.7)
OFF = DecisionSettings(threshold=0.7, min_evidence=0, coarse_evidence=0, gap_evidence=0)


def probs(**named: float) -> np.ndarray:
    """Probabilities by label; ``breeds=x`` spreads x evenly over the dog breeds."""
    index = {label.common_name: i for i, label in enumerate(LABELS)}
    vector = np.zeros(len(LABELS), dtype=np.float32)
    for name, value in named.items():
        if name == "breeds":
            vector[[index[b.common_name] for b in BREEDS]] = value / len(BREEDS)
        else:
            vector[index[name.replace("_", " ")]] = value
    return vector


def claim(vector: np.ndarray, settings: DecisionSettings = DEFAULT, taxonomy: Taxonomy = TAXONOMY) -> tuple[str, str] | None:
    choice = choose_taxon(vector, taxonomy, settings)
    return None if choice is None else (choice.taxon.rank, choice.taxon.name)


@pytest.mark.parametrize(
    ("vector", "expected", "without_rules"),
    [
        # A vague brown mammal, spread evenly over everything the models know of carnivores: the dog breeds' sheer
        # number makes it "Canidae 0.8"; against an evenly spread answer that is no evidence at all.
        (probs(breeds=0.62, Vulpes_vulpes=0.12, Panthera_leo=0.1, Lynx_lynx=0.08), ("order", "Carnivora"), ("family", "Canidae")),
        # A dog the models are sure of: the breeds hold nearly all of the carnivore probability.
        (probs(breeds=0.97, Panthera_leo=0.01), ("species", "Canis familiaris"), ("species", "Canis familiaris")),
        # A fox: concentrated on one label, a species claim needs no help from the label count.
        (probs(Vulpes_vulpes=0.9, breeds=0.05), ("species", "Vulpes vulpes"), ("species", "Vulpes vulpes")),
        # A cat split over two cats: Felidae holds a minority of the labels, so the rule does not apply.
        (probs(Panthera_leo=0.45, Lynx_lynx=0.4), ("family", "Felidae"), ("family", "Felidae")),
    ],
)
def test_a_lopsided_vocabulary_does_not_manufacture_a_family(vector: np.ndarray, expected: tuple[str, str], without_rules: tuple[str, str]) -> None:
    assert claim(vector) == expected
    assert claim(vector, OFF) == without_rules


def test_the_lopsided_rule_needs_a_group_of_ten_labels() -> None:
    """Over three labels, two-thirds is the answer, not a bias: a pig split over two pig labels and a warthog."""
    pig = LabelSpec("pig", "domestic pig", True, (Taxon("breed", "domestic pig", scientific=False), Taxon("species", "Sus scrofa"),
                                                  Taxon("genus", "Sus"), SUIDAE, ANIMALIA))  # fmt: skip
    boar = LabelSpec("boar", "wild boar", True, (Taxon("species", "Sus scrofa"), Taxon("genus", "Sus"), SUIDAE, ANIMALIA))
    warthog = LabelSpec("warthog", "warthog", True, (Taxon("species", "Phacochoerus africanus"), Taxon("genus", "Phacochoerus"), SUIDAE, ANIMALIA))
    small = Taxonomy([pig, boar, warthog])
    assert MIN_GROUP_LABELS > 3
    assert claim(np.array([0.43, 0.34, 0.16], dtype=np.float32), taxonomy=small) == ("species", "Sus scrofa")


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        # Spread over the mammals like a blank forest floor at night: no "unidentified mammal".
        (probs(breeds=0.6, Panthera_leo=0.05, Bos_taurus=0.05, Parus_major=0.05, sports_car=0.25), None),
        # Nearly all of it on mammals, but on no order: that is worth saying.
        (probs(breeds=0.4, Bos_taurus=0.35, Ovis_aries=0.24), ("class", "Mammalia")),
    ],
)
def test_an_unidentified_mammal_needs_strong_evidence(vector: np.ndarray, expected: tuple[str, str] | None) -> None:
    assert claim(vector) == expected


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        # An elk: ImageNet has no deer, so its probability smears over four bovid genera and sums to "Bovidae 0.9".
        # Deer make up most of what cameras record among the even-toed ungulates: the answer stops at the order.
        (probs(Bos_taurus=0.3, Ovis_aries=0.2, Aepyceros_melampus=0.2, Gazella_gazella=0.2), ("order", "Artiodactyla")),
        # A cow the models call "ox" with some doubt: coherent, so the family stands.
        (probs(Bos_taurus=0.66, Ovis_aries=0.1, Gazella_gazella=0.02, Sus_scrofa=0.05), ("family", "Bovidae")),
        # Sure of the species: a finer answer holds the threshold on one branch by itself.
        (probs(Bos_taurus=0.9, Ovis_aries=0.05), ("species", "Bos taurus")),
    ],
)
def test_an_answer_beside_a_gap_in_the_vocabulary_must_be_coherent(vector: np.ndarray, expected: tuple[str, str]) -> None:
    assert claim(vector) == expected


def test_no_gap_where_the_models_know_the_missing_family() -> None:
    """A user's model that knows elk has no deer gap: the same smeared bovid answer is the family again."""
    elk = species("Cervus canadensis", CERVIDAE, ARTIODACTYLA, MAMMALIA)
    with_deer = Taxonomy([*LABELS, elk])
    smeared = np.append(probs(Bos_taurus=0.3, Ovis_aries=0.2, Aepyceros_melampus=0.2, Gazella_gazella=0.2), 0.0).astype(np.float32)
    assert claim(smeared, taxonomy=with_deer) == ("family", "Bovidae")
    assert TAXONOMY.open_set.gap_groups == {TAXONOMY.node("order", "Artiodactyla")}
    assert with_deer.open_set.gap_groups == frozenset()


def test_a_site_list_naming_an_animal_no_model_knows_stops_answers_at_its_group() -> None:
    """Raccoons are rare enough among carnivores not to be a default gap; a list that names one makes them one."""
    spread = probs(Panthera_leo=0.42, Lynx_lynx=0.42)
    listed = SpeciesList("site.txt", ("Panthera leo", "Lynx lynx", "Vulpes vulpes", "Procyon lotor"))
    assert claim(spread, DecisionSettings(0.7, species=listed)) == ("order", "Carnivora")
    assert claim(spread, DecisionSettings(0.7, species=SpeciesList("site.txt", ("Panthera leo", "Lynx lynx")))) == ("family", "Felidae")
    # A concentrated answer is still named.
    assert claim(probs(Panthera_leo=0.9), DecisionSettings(0.7, species=listed)) == ("species", "Panthera leo")


def test_the_warning_says_what_happens_to_each_unknown_name() -> None:
    listed = SpeciesList("site.txt", ("Panthera leo", "Procyon lotor", "Odocoileus virginianus", "Nonexistus fictus"))
    warning = unknown_names_warning(listed, TAXONOMY)
    assert warning is not None and "\n" not in warning
    assert "cannot name Procyon lotor, Odocoileus virginianus" in warning and "Nonexistus fictus is not known here and ignored" in warning
    assert unknown_names_warning(SpeciesList("site.txt", ("Panthera leo",)), TAXONOMY) is None


@pytest.mark.parametrize(
    ("name", "lineage_has"),
    [
        ("Odocoileus virginianus", ("family", "Cervidae")),  # a listed camera-trap species
        ("Cervidae", ("order", "Artiodactyla")),  # a listed family
        ("Procyon cancrivorus", ("family", "Procyonidae")),  # any species of a tetrapod genus
        ("Sitta europaea", ("order", "Passeriformes")),
    ],
)
def test_the_shipped_tables_place_names_no_model_knows(name: str, lineage_has: tuple[str, str]) -> None:
    placed = place(name)
    assert placed is not None and lineage_has in placed.lineage and placed.lineage[-1][0] == "class"
    assert place("Nonexistus fictus") is None


def test_the_camera_trap_table_is_sound() -> None:
    taxa = camera_trap_taxa()
    assert len(taxa) >= 100
    assert all(t.lineage[-1][0] == "class" and 0 <= t.share <= 1 for t in taxa)
    by_order: dict[str, float] = {}
    for taxon in taxa:
        order = dict(taxon.lineage)["order"]
        by_order[order] = by_order.get(order, 0.0) + taxon.share
    assert all(total <= 1.0 for total in by_order.values()), by_order


def test_deer_are_the_one_default_gap_of_the_shipped_models(recognizer) -> None:  # type: ignore[no-untyped-def]
    """Of the shipped models' gaps, only the deer (with peccaries and mouse deer) are most of their order's records:
    other missing taxa (raccoons, agoutis, chipmunks) leave the answers around them alone unless a site list names them."""
    taxonomy = recognizer.taxonomy
    assert {taxonomy.taxa[node].name for node in taxonomy.open_set.gap_groups} == {"Artiodactyla"}


@pytest.mark.parametrize("value", [-1.0, 2e6])
def test_evidence_settings_are_bounded(value: float) -> None:
    with pytest.raises(ValueError, match="evidence"):
        DecisionSettings(0.7, min_evidence=value)


def test_the_joint_tree_weighs_a_specialists_scope_as_the_generalist_does(recognizer) -> None:  # type: ignore[no-untyped-def]
    """964 bird species behind ImageNet's 59 birds must not make "bird" look like most of the vocabulary."""
    joint = recognizer.taxonomy
    generalist = recognizer.classifier.generalist.taxonomy
    for scope in ("Aves", "Insecta"):
        own = len(generalist.labels_under(generalist.node("class", scope)))
        assert joint.open_set.weight[joint.node("class", scope)] == pytest.approx(own)
    assert joint.open_set.weight[joint.node("class", "Mammalia")] == len(generalist.labels_under(generalist.node("class", "Mammalia")))
