"""Image preprocessing and augmentation presets: the parameters are data, recorded in every checkpoint.

"camera-trap" augments for what trail cameras do to animals: partial views
(random resized crops), either facing direction (flips), dawn/dusk colour
casts (colour jitter), night-time infrared (greyscale), motion and focus blur,
and sensor noise at high ISO.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torchvision.transforms import v2


@dataclass(frozen=True)
class Augmentation:
    crop_scale: tuple[float, float] = (0.5, 1.0)
    hflip: float = 0.5
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    hue: float = 0.03
    greyscale: float = 0.15  # infrared night frames are greyscale
    blur: float = 0.15
    noise_std: float = 0.03  # on the 0..1 scale
    noise: float = 0.2

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, Augmentation | None] = {
    "camera-trap": Augmentation(),
    "light": Augmentation(crop_scale=(0.8, 1.0), brightness=0.1, contrast=0.1, saturation=0.1, hue=0.0, greyscale=0.0, blur=0.0, noise=0.0),
    "none": None,
}


@dataclass(frozen=True)
class Normalisation:
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


class AddNoise(torch.nn.Module):
    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x + torch.randn_like(x) * self.std).clamp(0.0, 1.0)


def _normalise(norm: Normalisation) -> v2.Transform:
    # Images reach this point as floats in 0..1; the contract's normalisation is (value*scale - mean)/std on 0..255.
    factor = 255.0 * norm.scale
    return v2.Normalize([m / factor for m in norm.mean], [s / factor for s in norm.std])


def train_transform(size: int, augmentation: Augmentation | None, norm: Normalisation) -> v2.Compose:
    steps: list[v2.Transform | torch.nn.Module] = [v2.ToImage()]
    if augmentation is None:
        steps += [v2.Resize(round(size * 256 / 224), antialias=True), v2.CenterCrop(size)]
    else:
        a = augmentation
        steps += [v2.RandomResizedCrop(size, scale=a.crop_scale, antialias=True), v2.RandomHorizontalFlip(a.hflip)]
        steps += [v2.ColorJitter(a.brightness, a.contrast, a.saturation, a.hue), v2.RandomGrayscale(a.greyscale)]
        if a.blur:
            steps.append(v2.RandomApply([v2.GaussianBlur(5, sigma=(0.1, 2.0))], p=a.blur))
    steps.append(v2.ToDtype(torch.float32, scale=True))
    if augmentation is not None and augmentation.noise:
        steps.append(v2.RandomApply([AddNoise(augmentation.noise_std)], p=augmentation.noise))
    steps.append(_normalise(norm))
    return v2.Compose(steps)


def eval_transform(size: int, norm: Normalisation) -> v2.Compose:
    """Exactly what the engine does at run time: resize the short side to size×256/224, centre crop."""
    return v2.Compose([v2.ToImage(), v2.Resize(round(size * 256 / 224), antialias=True), v2.CenterCrop(size),
                       v2.ToDtype(torch.float32, scale=True), _normalise(norm)])  # fmt: skip
