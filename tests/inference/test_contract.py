"""The model contract: a faithful round trip, and a clear sentence for every malformed field."""

from __future__ import annotations

import json
import re

import pytest

from livespecies.errors import ModelError
from livespecies.inference.contract import Application, ModelContract
from livespecies.types import Taxon
from tests.tiny_models import contract


def test_round_trip_is_exact() -> None:
    original = contract(5)
    assert ModelContract.from_json(original.to_json()) == original


def mutate(path: str, value: object) -> str:
    data = json.loads(contract().to_json())
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return json.dumps(data)


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("format", "something-else", "not in the livespecies-model format"),
        ("format_version", 99, "version 99 is not supported"),
        ("kind", "segmenter", "'kind' is 'segmenter'"),
        ("input.color", "CMYK", "'input.color'"),
        ("input.std", [1, 0, 1], "'input.std' must be positive"),
        ("input.mean", [0, 0], "'input.mean' must be a list of three numbers"),
        ("input.height", True, "'input.height' has the wrong type"),
        ("input.height", 100000, "outside"),
        ("input.gamma", 2.2, "'input.gamma' is not part of the livespecies model format"),
        ("labels", [], "declares no labels"),
        ("labels.0.lineage", [], "is an organism but has no lineage"),
        ("labels.0.lineage.0.rank", "kingdom", "does not go from finer to coarser"),
        ("labels.0.lineage.0.rank", "tribe-ish", "'labels[0].lineage[0].rank'"),
        ("provenance", DELETE, "'provenance' is missing"),
        ("output.scores", "yolox", "a classifier cannot declare detector output"),
    ],
)
def test_malformed_metadata_is_refused_with_the_field_named(path: str, value: object, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        ModelContract.from_json(mutate(path, value), source="m.onnx")


def test_not_json_at_all() -> None:
    with pytest.raises(ModelError, match="not valid JSON"):
        ModelContract.from_json("{nope", source="m.onnx")


def test_a_specialist_scope_round_trips() -> None:
    original = contract(3, scope=Taxon("kingdom", "Animalia"))
    assert ModelContract.from_json(original.to_json()) == original
    assert ModelContract.from_json(contract(3).to_json()).scope is None  # files without a scope still load


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"rank": "class", "name": "Aves"}, "label 'creature 0' does not descend from the model's scope class Aves"),
        ({"rank": "clade", "name": "Aves"}, "'scope.rank' is 'clade'"),
        ({"rank": "class"}, "'scope.name' is missing"),
        ({"rank": "class", "name": "Aves", "why": "birds"}, "'scope.why' is not part of the livespecies model format"),
    ],
)
def test_a_scope_that_does_not_hold_every_species_is_refused(scope: dict[str, str], message: str) -> None:
    """A specialist's answers are counted inside its scope: a label outside it would be counted in the wrong taxon."""
    data = json.loads(contract(3).to_json())
    data["scope"] = scope
    with pytest.raises(ModelError, match=re.escape(message)):
        ModelContract.from_json(json.dumps(data), source="m.onnx")


def test_what_a_model_was_trained_to_see_round_trips_and_is_checked() -> None:
    original = contract(3, application=Application("whole-frame", 0.2))
    assert ModelContract.from_json(original.to_json()) == original
    assert "threshold" not in json.loads(original.to_json())["application"]  # no threshold of its own: the JSON is as before
    with_threshold = contract(3, application=Application("detector-crops", 0.15, 0.85))
    assert ModelContract.from_json(with_threshold.to_json()) == with_threshold
    data = json.loads(with_threshold.to_json())
    data["application"]["threshold"] = 1.5
    with pytest.raises(ModelError, match=re.escape("application.threshold")):
        ModelContract.from_json(json.dumps(data), source="m.onnx")
    data = json.loads(original.to_json())
    data["application"]["input"] = "thumbnails"
    with pytest.raises(ModelError, match=re.escape("'application.input' is 'thumbnails'")):
        ModelContract.from_json(json.dumps(data), source="m.onnx")
