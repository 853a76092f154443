"""The one model assembly: a choice of files becomes a recognizer, and the swap rules, on the shipped models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livespecies.errors import ModelError
from livespecies.inference.assembly import ModelChoice, assemble, choose, role_of, with_classifier, with_species
from livespecies.inference.contract import Application
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists
from livespecies.inference.engine import DEFAULT_THRESHOLD, EngineSettings
from livespecies.inference.model_file import load_model
from livespecies.inference.species_list import SpeciesList, parse_species_list
from tests.tiny_models import contract, write_classifier


def test_a_choice_becomes_one_recognizer_with_every_model_and_the_chosen_detector_size() -> None:
    recognizer = assemble(choose(default_classifier(), default_detector(), default_specialists(), detector_size=320),
                          EngineSettings(threshold=0.6), threads=1)  # fmt: skip
    ids = recognizer.model_ids
    assert {"classifier", "detector", "specialist Aves", "specialist Insecta"} <= set(ids)
    assert recognizer.settings.detector_size == 320 and recognizer.settings.threshold == 0.6
    assert recognizer.detector is not None and recognizer.detector.spec.width == 320
    assert recognizer.recognize(np.zeros((120, 160, 3), np.uint8)).width == 160


def test_no_detector_when_the_choice_has_none_or_the_settings_turn_it_off() -> None:
    assert assemble(ModelChoice(default_classifier(), None), EngineSettings(), threads=1).detector is None
    assert assemble(ModelChoice(default_classifier(), default_detector()), EngineSettings(use_detector=False), threads=1).detector is None


def test_a_file_that_is_not_a_classifier_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="detector"):
        assemble(ModelChoice(default_detector(), None), EngineSettings(), threads=1)


def test_a_specialist_replaces_the_one_for_its_taxon_and_the_others_stay() -> None:
    current = assemble(choose(default_classifier(), default_detector(), default_specialists()), EngineSettings(), threads=1)
    birds = next(path for path in default_specialists() if "bird" in path.name)
    model = load_model(birds, threads=1, expect_kind="classifier")
    swapped = with_classifier(current, birds, model)
    assert role_of(model) == "specialist for Aves"
    assert [s.scope.name for s in swapped.classifier.specialists] == ["Insecta", "Aves"]
    assert swapped.classifier.generalist is current.classifier.generalist
    assert swapped.detector is current.detector and swapped.settings == current.settings


def test_a_new_classifier_keeps_the_specialists_it_knows_the_taxon_of_and_the_detector() -> None:
    current = assemble(choose(default_classifier(), default_detector(), default_specialists()), EngineSettings(threshold=0.8), threads=1)
    model = load_model(default_classifier(), threads=1, expect_kind="classifier")
    swapped = with_classifier(current, default_classifier(), model)
    assert role_of(model) == "classifier"
    assert swapped.classifier.generalist is not current.classifier.generalist
    assert {s.scope.name for s in swapped.classifier.specialists} == {"Aves", "Insecta"}
    assert swapped.detector is current.detector and swapped.settings.threshold == 0.8


def test_a_specialist_needs_a_classifier_to_stand_behind() -> None:
    birds = next(path for path in default_specialists() if "bird" in path.name)
    with pytest.raises(ModelError, match="load a main classifier first"):
        with_classifier(None, birds, load_model(birds, threads=1, expect_kind="classifier"))


def test_a_species_list_keeps_the_loaded_models() -> None:
    current = assemble(ModelChoice(default_classifier(), default_detector()), EngineSettings(), threads=1)
    species: SpeciesList = parse_species_list("Vulpes vulpes\n", "list.txt")
    restricted = with_species(current, species)
    assert restricted.classifier is current.classifier and restricted.detector is current.detector
    assert restricted.settings.species is species and with_species(restricted, None).settings.species is None


def test_a_trained_model_brings_its_own_threshold_unless_one_was_chosen(tmp_path: Path) -> None:
    own = write_classifier(tmp_path / "own.onnx", 3, contract(3, application=Application("detector-crops", 0.15, 0.9)))
    plain = write_classifier(tmp_path / "plain.onnx", 3, contract(3))
    mine = assemble(ModelChoice(own, None), EngineSettings(), threads=1)
    assert mine.threshold == 0.9 and not mine.threshold_chosen
    assert assemble(ModelChoice(plain, None), EngineSettings(), threads=1).threshold == DEFAULT_THRESHOLD
    assert assemble(ModelChoice(own, None), EngineSettings(threshold=0.5), threads=1).threshold == 0.5
    # Swapping models: the classifier's own threshold goes with it; one someone chose stays.
    swapped = with_classifier(mine, plain, load_model(plain, threads=1))
    assert swapped.threshold == DEFAULT_THRESHOLD
    assert with_classifier(swapped, own, load_model(own, threads=1)).threshold == 0.9
    chosen = assemble(ModelChoice(plain, None), EngineSettings(threshold=0.6), threads=1)
    assert with_classifier(chosen, own, load_model(own, threads=1)).threshold == 0.6
    assert with_species(mine, None).threshold == 0.9 and mine.with_settings(threshold=0.4).threshold == 0.4
