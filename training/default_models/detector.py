"""The camera-trap animal detector: zamba's "MegadetectorLite", a single-class YOLOX-tiny.

Trained by DrivenData on camera-trap frames; it finds animals (and, being a
MegaDetector distillation, also people and vehicles, which the classifier then
rules out). The architecture comes from pixeltable-yolox, the weights from the
zamba wheel; both are pinned in ``training.registry``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from training import registry

INPUT_SIZE = 640


def build_yolox_tiny(num_classes: int = 1) -> nn.Module:
    """YOLOX-tiny (depth 0.33, width 0.375) with the BatchNorm settings its checkpoints expect."""
    registry.import_path_for(*registry.YOLOX_CODE)
    from yolox.config import YoloxConfig  # imported from the pinned wheel, never installed

    config = YoloxConfig("yolox_tiny")
    config.depth, config.width, config.num_classes = 0.33, 0.375, num_classes
    model: nn.Module = config.get_model()  # sets BatchNorm eps to 1e-3, as in training
    return model.eval()


def load_megadetector_lite(weights: Path) -> nn.Module:
    model = build_yolox_tiny(num_classes=1)
    checkpoint = torch.load(weights, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"], strict=True)
    return model.eval()
