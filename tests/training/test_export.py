"""Export checks on a small build: contract in the file, parity with torch, and refusal on disagreement."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import numpy_helper

from livespecies.inference.classifier import SpeciesClassifier
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.model_file import load_model
from tests.tiny_models import contract
from training import build_default_models as build
from training.default_models import quantize
from training.export import ParityError, export_onnx
from training.registry import DEFAULT_CACHE

ROOT = Path(__file__).resolve().parents[2]


def test_small_classifier_export_is_checked_and_loads_in_the_engine(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3))
    example = torch.rand(2, 3, 8, 8)
    report = export_onnx(net, example, contract(3), tmp_path / "small.onnx", output_name="scores")
    assert report.max_abs_diff < 1e-5
    classifier = SpeciesClassifier(load_model(report.path))
    assert classifier.classify([np.zeros((16, 16, 3), np.uint8)]).shape == (1, 3)
    # The batch axis is dynamic: a batch of 5 runs.
    session = ort.InferenceSession(str(report.path), providers=["CPUExecutionProvider"])
    assert session.run(None, {"image": np.zeros((5, 3, 8, 8), np.float32)})[0].shape == (5, 3)


def test_export_refuses_when_onnxruntime_disagrees_and_leaves_no_file(tmp_path: Path) -> None:
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(192, 3))
    with pytest.raises(ParityError, match="differs from PyTorch"):
        export_onnx(net, torch.rand(2, 3, 8, 8) * 1000, contract(3), tmp_path / "bad.onnx", output_name="scores", atol=0.0)
    assert not list(tmp_path.glob("*.onnx"))


def test_export_needs_a_batch_of_two(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch of at least 2"):
        export_onnx(torch.nn.Identity(), torch.rand(1, 3, 8, 8), contract(3), tmp_path / "x.onnx", output_name="scores")


def test_detector_architecture_exports_with_parity(tmp_path: Path) -> None:
    """YOLOX-tiny with random weights through the real detector export path (no weights download)."""
    report = build.build_detector(tmp_path, cache=None)
    assert report.max_abs_diff < 1e-3
    detector = AnimalDetector(load_model(report.path))
    assert detector.detect(np.zeros((48, 64, 3), np.uint8), min_score=0.99) == []


def test_rebuilding_the_shipped_models_gives_identical_files(tmp_path: Path, models_dir: Path) -> None:
    """The shipped models are reproducible from the pinned registry packages, byte for byte on the CPU they were built
    on; on another CPU up to the last bits of folded weights (``same_float_model``) and, for the INT8 detector, of its
    calibrated activation ranges (``same_int8_model``)."""
    assert build.main(["--out", str(tmp_path), "--cache", str(ROOT / DEFAULT_CACHE)]) == 0
    expected = dict(line.split()[::-1] for line in (models_dir / "SHA256SUMS").read_text().splitlines())
    for name, digest in expected.items():
        assert hashlib.sha256((models_dir / name).read_bytes()).hexdigest() == digest, name
        rebuilt = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        if rebuilt == digest:
            continue
        if name == quantize.INT8_DETECTOR_FILE:
            same_int8_model(tmp_path / name, models_dir / name)
        else:
            same_float_model(tmp_path / name, models_dir / name)


def same_structure(a: onnx.ModelProto, b: onnx.ModelProto) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The same graph (nodes, wiring), the same contract, the same initializers by name, shape and type."""
    assert [(n.op_type, n.name, list(n.input), list(n.output)) for n in a.graph.node] == \
        [(n.op_type, n.name, list(n.input), list(n.output)) for n in b.graph.node]  # fmt: skip
    assert list(a.metadata_props) == list(b.metadata_props)
    ours = {t.name: numpy_helper.to_array(t) for t in a.graph.initializer}
    theirs = {t.name: numpy_helper.to_array(t) for t in b.graph.initializer}
    assert ours.keys() == theirs.keys()
    for name, value in ours.items():
        assert value.shape == theirs[name].shape and value.dtype == theirs[name].dtype, name
    return ours, theirs


def same_float_model(rebuilt: Path, shipped: Path) -> None:
    """Export folds each BatchNorm into its convolution on the CPU; on another CPU's vector instructions (the models
    were built on AMD EPYC with AVX2; an Intel Xeon with AVX-512 and AMX gave weights differing by up to 4e-6) the
    folded weights differ in their last bits. Everything else must be identical, and every weight equal to float
    rounding."""
    ours, theirs = same_structure(onnx.load(str(rebuilt)), onnx.load(str(shipped)))
    for name, value in ours.items():
        if np.issubdtype(value.dtype, np.floating):
            np.testing.assert_allclose(value, theirs[name], rtol=1e-5, atol=1e-5, err_msg=name)
        else:
            assert np.array_equal(value, theirs[name]), name


def same_int8_model(rebuilt: Path, shipped: Path) -> None:
    """Calibration runs the float model, whose last bits depend on the CPU's vector instructions (AVX2, AVX-512);
    the activation scales derived from it may then differ in their last bits, and the biases and zero points
    computed from them by one step. Everything else must be identical."""
    ours, theirs = same_structure(onnx.load(str(rebuilt)), onnx.load(str(shipped)))
    for name, value in ours.items():
        other = theirs[name]
        if np.issubdtype(value.dtype, np.floating):
            np.testing.assert_allclose(value, other, rtol=1e-3, err_msg=name)
        else:
            difference = np.abs(value.astype(np.int64) - other.astype(np.int64))
            assert (difference <= np.maximum(1, np.abs(other.astype(np.int64)) // 1000)).all(), name
