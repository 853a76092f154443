"""Head-mode features through onnxruntime: the same numbers as PyTorch, and PyTorch again whenever the export fails."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from training.fast_features import fast_extractor


def small_backbone() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()


def test_onnxruntime_features_equal_pytorch_features() -> None:
    net = small_backbone()
    images = torch.rand(5, 3, 32, 32)
    extract = fast_extractor(net, torch.device("cpu"))
    with torch.no_grad():
        expected = net(images)
    got = extract(images)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5)
    # A batch of another size goes through the same session (the batch axis is dynamic).
    with torch.no_grad():
        assert torch.allclose(extract(images[:3]), net(images[:3]), atol=1e-5)


def test_an_export_failure_falls_back_to_pytorch_with_one_warning(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("operator not supported")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    net = small_backbone()
    extract = fast_extractor(net, torch.device("cpu"))
    images = torch.rand(2, 3, 8, 8)
    first, second = extract(images), extract(images)
    with torch.no_grad():
        assert torch.equal(first, net(images)) and torch.equal(second, first)
    assert capsys.readouterr().err.count("onnxruntime features unavailable (RuntimeError: operator not supported)") == 1
