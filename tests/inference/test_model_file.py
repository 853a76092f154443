"""Opening model files: each thing a user can get wrong becomes one sentence naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from livespecies.errors import ModelError
from livespecies.inference.classifier import SpeciesClassifier
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.model_file import load_model
from tests.tiny_models import contract, write_classifier


def single_line(message: str) -> bool:
    return "\n" not in message and message.endswith(".")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist") as info:
        load_model(tmp_path / "nope.onnx")
    assert single_line(str(info.value))


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="is empty"):
        load_model(tmp_path / "empty.onnx")


@pytest.mark.parametrize("content", [b"not a model at all\n", b"\xff\xd8\xff\xe0" + b"\x00" * 200, b"\x08\x07" * 1000])
def test_file_that_is_not_onnx(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="is not a valid ONNX model") as info:
        load_model(path)
    assert single_line(str(info.value))


def test_onnx_without_livespecies_metadata(tmp_path: Path) -> None:
    path = write_classifier(tmp_path / "plain.onnx", metadata=None)
    with pytest.raises(ModelError, match="carries no livespecies metadata"):
        load_model(path)


def test_label_count_that_differs_from_the_output_width(tmp_path: Path) -> None:
    path = write_classifier(tmp_path / "m.onnx", classes=3, metadata=contract(n_labels=4))
    with pytest.raises(ModelError, match="declares 4 labels but its output has shape"):
        load_model(path)


def test_input_name_mismatch(tmp_path: Path) -> None:
    bad = contract()
    from dataclasses import replace

    path = write_classifier(tmp_path / "m.onnx", metadata=replace(bad, input=replace(bad.input, name="pixels")))
    with pytest.raises(ModelError, match="names input 'pixels'"):
        load_model(path)


def test_a_classifier_is_not_accepted_as_a_detector(tmp_path: Path) -> None:
    path = write_classifier(tmp_path / "m.onnx", metadata=contract())
    with pytest.raises(ModelError, match="is a classifier, but a detector was expected"):
        load_model(path, expect_kind="detector")
    with pytest.raises(ModelError, match="not a detector"):
        AnimalDetector(load_model(path))


def test_a_valid_tiny_classifier_runs_and_gives_probabilities(tmp_path: Path) -> None:
    import numpy as np

    classifier = SpeciesClassifier(load_model(write_classifier(tmp_path / "m.onnx", metadata=contract())))
    rows = classifier.classify([np.full((20, 30, 3), v, dtype=np.uint8) for v in (0, 128, 255)])
    assert rows.shape == (3, 3)
    assert np.allclose(rows.sum(axis=1), 1.0, atol=1e-5)


def test_shipped_models_load_and_describe_themselves(models_dir: Path) -> None:
    detector = load_model(models_dir / "megadetector-lite-yolox-tiny.onnx")
    classifier = load_model(models_dir / "imagenet-ensemble-mnv2-lite0.onnx")
    assert detector.contract.kind == "detector" and detector.contract.input.resize == "letterbox"
    assert classifier.contract.kind == "classifier" and len(classifier.contract.labels) == 1000
    assert detector.contract.provenance.weights_sha256 == "31f8690fc62f9d0756f1e8c09b0b02e5ade106173ed0a30743d47c004f88f4e0"
    organisms = [label for label in classifier.contract.labels if label.organism]
    assert 395 <= len(organisms) <= 410
    assert all(label.lineage[-1].rank == "kingdom" for label in organisms)


def test_shipped_detector_runs_at_other_sizes_and_refuses_bad_ones(models_dir: Path) -> None:
    import numpy as np

    model = load_model(models_dir / "megadetector-lite-yolox-tiny.onnx")
    assert model.contract.input.size_multiple == 32
    fast = AnimalDetector(model, input_size=416)
    assert fast.spec.width == fast.spec.height == 416
    assert fast.detect(np.zeros((480, 640, 3), np.uint8), min_score=0.5) == []
    with pytest.raises(ModelError, match="must be a multiple of 32"):
        AnimalDetector(model, input_size=500)
    with pytest.raises(ModelError, match="multiple of 32 between 128 and 2048"):
        AnimalDetector(model, input_size=4096)


def test_fixed_size_model_refuses_another_size(tmp_path: Path) -> None:
    classifier_as_detector_spec = load_model(write_classifier(tmp_path / "m.onnx", metadata=contract()))
    from livespecies.inference.detector import detector_input

    with pytest.raises(ModelError, match="only takes 8×8 input"):
        detector_input(classifier_as_detector_spec, 16)
