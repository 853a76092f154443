"""A site's species list: the file format, what it allows in the tree, and the shipped example lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livespecies.inference.species_list import (
    SpeciesList,
    SpeciesListError,
    load_species_list,
    parse_species_list,
    unknown_names,
    unknown_names_warning,
)
from tests.inference.test_taxonomy import TAXONOMY, probs

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_LISTS = sorted((ROOT / "resources" / "species-lists").glob("*.txt"))


def test_names_comments_and_blank_lines() -> None:
    text = "# my garden\n\nUrsus americanus   # black bear\n  Felidae\nUrsus americanus\nLarus glaucescens × occidentalis\n"
    assert parse_species_list(text, "x").names == ("Ursus americanus", "Felidae", "Larus glaucescens × occidentalis")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "names no species"),
        ("# only comments\n\n", "names no species"),
        ("Ursus americanus\nblack bear\n", "line 2: 'black bear' is not a scientific name"),
        ("Ursus americanus, Ursus arctos\n", "line 1"),
    ],
)
def test_a_list_that_cannot_be_used_is_one_sentence(text: str, message: str) -> None:
    with pytest.raises(SpeciesListError, match=message) as caught:
        parse_species_list(text, "site.txt")
    assert "\n" not in str(caught.value) and "site.txt" in str(caught.value)


def test_unreadable_files_are_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(SpeciesListError, match="does not exist"):
        load_species_list(tmp_path / "missing.txt")
    with pytest.raises(SpeciesListError, match="is a folder"):
        load_species_list(tmp_path)
    (tmp_path / "latin1.txt").write_bytes("Ursus arctos # \xe9\n".encode("latin-1"))
    with pytest.raises(SpeciesListError, match="not UTF-8"):
        load_species_list(tmp_path / "latin1.txt")


def choose(names: tuple[str, ...], vector: np.ndarray, threshold: float = 0.7) -> tuple[str, str] | None:
    choice = TAXONOMY.decide(vector, threshold, TAXONOMY.allowed_by(names))
    return None if choice is None else (choice.taxon.rank, choice.taxon.name)


@pytest.mark.parametrize(
    ("names", "vector", "expected"),
    [
        # A listed species is claimed as usual.
        (("Ursus arctos",), probs(brown_bear=0.9), ("species", "Ursus arctos")),
        # An unlisted species moves up to the genus that holds a listed one, and says so by its rank.
        (("Ursus americanus",), probs(brown_bear=0.9), ("genus", "Ursus")),
        # ... or to the family, or the order, whichever first holds a listed taxon.
        (("Panthera leo",), probs(lynx=0.9), ("family", "Felidae")),
        (("Panthera leo",), probs(brown_bear=0.9), ("order", "Carnivora")),
        # Listing a genus or family allows everything inside it.
        (("Ursus",), probs(brown_bear=0.9), ("species", "Ursus arctos")),
        (("Canis familiaris",), probs(beagle=0.9), ("breed", "beagle")),
        # A list of birds at a bear: the class is all that remains ("unidentified mammal").
        (("Parus major",), probs(brown_bear=0.9), ("class", "Mammalia")),
    ],
)
def test_the_list_decides_how_far_an_answer_moves_up(names: tuple[str, ...], vector: np.ndarray, expected: tuple[str, str]) -> None:
    assert choose(names, vector) == expected


def test_names_the_models_do_not_know_are_named_in_one_warning() -> None:
    site = SpeciesList("site.txt", ("Ursus arctos", "Procyon lotor", "Didelphis virginiana"))
    assert unknown_names(site, TAXONOMY) == ("Procyon lotor", "Didelphis virginiana")
    warning = unknown_names_warning(site, TAXONOMY)
    assert warning is not None and "Procyon lotor, Didelphis virginiana" in warning and "\n" not in warning
    assert unknown_names_warning(SpeciesList("site.txt", ("Ursus arctos",)), TAXONOMY) is None


@pytest.mark.parametrize("path", SHIPPED_LISTS, ids=lambda p: p.name)
def test_shipped_lists_name_only_taxa_the_program_can_place(path: Path, recognizer) -> None:  # type: ignore[no-untyped-def]
    """A name the models know is allowed; one they cannot name must at least be placed by the shipped tables, so that
    answers stop at its group (``OpenSet.listed_groups``)."""
    site = load_species_list(path)
    assert len(site.names) >= 20
    assert recognizer.taxonomy.open_set.unplaceable(site.names) == ()


def test_two_example_lists_are_shipped() -> None:
    assert {p.name for p in SHIPPED_LISTS} == {"garden-birds-britain.txt", "mammals-eastern-north-america.txt"}
