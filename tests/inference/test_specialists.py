"""Specialists behind the generalist: the combination rule from tables, the joint tree, routing, and the shipped pair."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livespecies.errors import ModelError
from livespecies.inference.classifier import SpeciesClassifier
from livespecies.inference.contract import LabelSpec
from livespecies.inference.model_file import load_model
from livespecies.inference.specialists import RoutedClassifier, RoutingSettings, combine, fitting, in_scope_mass
from livespecies.types import Taxon
from tests.tiny_models import contract, write_classifier

ANIMALIA = Taxon("kingdom", "Animalia", "animal")
AVES = Taxon("class", "Aves", "bird")
MAMMALIA = Taxon("class", "Mammalia", "mammal")
PARIDAE = Taxon("family", "Paridae", "tit")


ORGANISM = np.array([True, True, True, False])


@pytest.mark.parametrize(
    ("generalist", "specialist", "rule", "expected"),
    [
        # The blue tit: ImageNet 0.6 inside Aves, the specialist sure of one species (0.9): 0.93.
        (0.6, [0.9, 0.03, 0.02, 0.05], "confident", 0.54 / 0.58),
        # A mammal the specialist spreads over several birds: the generalist's 0.6 stands, nothing is raised.
        (0.6, [0.2, 0.2, 0.2, 0.4], "confident", 0.6),
        # The specialist never lowers the generalist's vote under the default rule.
        (0.9, [0.05, 0.05, 0.05, 0.85], "confident", 0.9),
        # The rules that were measured and not chosen (README).
        (0.6, [0.9, 0.03, 0.02, 0.05], "evidence", 0.6 * 0.95 / (0.6 * 0.95 + 0.4 * 0.05)),
        (0.6, [0.05, 0.05, 0.0, 0.9], "evidence", 0.06 / (0.06 + 0.36)),
        (0.6, [0.9, 0.03, 0.02, 0.05], "generalist", 0.6),
        (0.6, [0.9, 0.03, 0.02, 0.05], "specialist", 0.95),
    ],
)
def test_in_scope_mass_rules(generalist: float, specialist: list[float], rule: str, expected: float) -> None:
    assert in_scope_mass(generalist, np.array(specialist, np.float32), ORGANISM, rule) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("rule", ["confident", "evidence", "generalist", "specialist"])
def test_combination_keeps_a_distribution_and_hands_background_back(rule: str) -> None:
    # Joint labels: 0 fox (outside), 1 ImageNet chickadee (inside), 2 blue tit, 3 great tit (specialist species).
    joint = np.array([0.4, 0.6, 0.0, 0.0], np.float32)
    in_scope = np.array([False, True, True, True])
    specialist = np.array([0.7, 0.2, 0.1], np.float32)  # blue tit, great tit, background
    organism = np.array([True, True, False])
    out = combine(joint, in_scope, specialist, np.array([2, 3]), organism, rule)
    q = in_scope_mass(0.6, specialist, organism, rule)
    assert out.sum() == pytest.approx(1.0)
    assert out[0] == pytest.approx(1 - q)  # outside the scope: the generalist's answer, rescaled
    assert out[2] == pytest.approx(q * 0.7) and out[3] == pytest.approx(q * 0.2)
    assert out[1] == pytest.approx(q * 0.1)  # the specialist's background share goes back to the generalist's bird


def species(name: str, common: str, *above: Taxon) -> LabelSpec:
    return LabelSpec(name, common, True, (Taxon("species", name, common), *above))


def generalist_contract():  # type: ignore[no-untyped-def]
    return contract(
        labels=(
            species("Vulpes vulpes", "red fox", Taxon("genus", "Vulpes"), MAMMALIA, ANIMALIA),
            species("Parus major", "great tit", Taxon("genus", "Parus"), PARIDAE, AVES, ANIMALIA),
            LabelSpec("car", "car", False),
        ),
    )


def specialist_contract(scope: Taxon = AVES):  # type: ignore[no-untyped-def]
    # The specialist's own idea of the tree above the family (straight to the kingdom) is replaced by the generalist's.
    return contract(
        model_id="test/birds@1",
        labels=(
            species("Cyanistes caeruleus", "blue tit", Taxon("genus", "Cyanistes"), PARIDAE, AVES, ANIMALIA),
            species("Erithacus rubecula", "robin", Taxon("genus", "Erithacus"), AVES, ANIMALIA),
            LabelSpec("background", "background", False),
        ),
        scope=scope,
    )


@pytest.fixture
def pair(tmp_path: Path) -> tuple[SpeciesClassifier, SpeciesClassifier]:
    general = SpeciesClassifier(load_model(write_classifier(tmp_path / "g.onnx", 3, generalist_contract())))
    birds = SpeciesClassifier(load_model(write_classifier(tmp_path / "b.onnx", 3, specialist_contract(), seed=1)))
    return general, birds


def test_specialist_labels_are_grafted_onto_the_generalist_tree(pair: tuple[SpeciesClassifier, SpeciesClassifier]) -> None:
    routed = RoutedClassifier(*pair[:1], [pair[1]])
    names = [label.common_name for label in routed.labels]
    assert names == ["red fox", "great tit", "car", "blue tit", "robin"]  # background is not a joint label
    tit = routed.taxonomy.lineage(routed.taxonomy.node("species", "Cyanistes caeruleus") or 0)
    assert [t.name for t in tit] == ["Cyanistes caeruleus", "Cyanistes", "Paridae", "Aves", "Animalia"]


def test_routing_runs_the_specialist_only_above_the_route_threshold(pair: tuple[SpeciesClassifier, SpeciesClassifier]) -> None:
    general, birds = pair
    routed = RoutedClassifier(general, [birds])
    general_rows = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0]], np.float32)  # a fox, a bird
    asked: list[list[int]] = []

    def answers(specialist, rows):  # type: ignore[no-untyped-def]
        asked.append(rows)
        return np.tile(np.array([[0.9, 0.05, 0.05]], np.float32), (len(rows), 1))

    joint = routed.route(general_rows, RoutingSettings(route_threshold=0.3), answers)
    assert asked == [[1]]  # only the bird crop was sent
    assert joint[0, :3].tolist() == pytest.approx([0.9, 0.1, 0.0]) and joint[0, 3:].tolist() == [0.0, 0.0]
    assert joint[1].sum() == pytest.approx(1.0) and joint[1, 3] > 0.8  # the blue tit, named
    choice = routed.taxonomy.decide(joint[1], 0.7)
    assert choice is not None and choice.taxon.name == "Cyanistes caeruleus" and choice.models == ("test/birds@1",)


def test_a_specialist_whose_scope_the_classifier_lacks_is_refused_or_skipped(tmp_path: Path) -> None:
    general = SpeciesClassifier(load_model(write_classifier(tmp_path / "g.onnx", 3, generalist_contract())))
    fish = contract(model_id="test/fish@1", scope=Taxon("class", "Actinopterygii"),
                    labels=(species("Salmo trutta", "trout", Taxon("class", "Actinopterygii"), ANIMALIA), LabelSpec("bg", "bg", False),
                            LabelSpec("bg2", "bg2", False)))  # fmt: skip
    specialist = SpeciesClassifier(load_model(write_classifier(tmp_path / "f.onnx", 3, fish)))
    with pytest.raises(ModelError, match="does not know"):
        RoutedClassifier(general, [specialist])
    assert fitting(general, [specialist]) == []


def test_a_model_without_scope_cannot_be_a_specialist(pair: tuple[SpeciesClassifier, SpeciesClassifier]) -> None:
    general, _ = pair
    with pytest.raises(ModelError, match="declares no scope"):
        RoutedClassifier(general, [general])


@pytest.mark.parametrize("bad", [{"route_threshold": 0.0}, {"route_threshold": 1.5}, {"rule": "product"}])
def test_routing_settings_are_bounded(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RoutingSettings(**bad)  # type: ignore[arg-type]


def test_a_model_trained_on_whole_frames_is_shown_whole_frames(tmp_path: Path, photos: Path) -> None:
    """The exported model says what it was trained on; the engine shows it that, even with the detector loaded."""
    from livespecies.capture.image_file import load_image
    from livespecies.inference.assembly import ModelChoice, assemble
    from livespecies.inference.contract import Application
    from livespecies.inference.defaults import default_detector
    from livespecies.inference.engine import EngineSettings

    image = load_image(photos / "animals/explore_world_animals-polar_bear.webp").pixels
    for application, mode in ((Application("whole-frame"), "whole-frame"), (Application("detector-crops", 0.5), "detector")):
        path = write_classifier(tmp_path / f"{mode}.onnx", 3, contract(3, application=application))
        recognizer = assemble(ModelChoice(path, default_detector()), EngineSettings())
        found, detections, crops = recognizer.crops(image)
        assert found == mode
        if mode == "detector":
            box = detections[0].box
            assert box is not None and crops[0].shape[0] == recognizer.classifier.crop_size  # padded by the model's 0.5
