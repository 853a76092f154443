"""Turning a BGR uint8 image into a model's input tensor, as its contract prescribes.

Pure functions of (pixels, InputSpec): the same code path serves the detector
(letterbox to 640), the classifier (resize and centre crop) and users' own
models, and tests can check the arithmetic on tiny arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.inference.contract import InputSpec

Image = npt.NDArray[np.uint8]
Tensor = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Letterbox:
    """How a letterboxed input maps back to the original image: ``original = model / scale``."""

    scale: float
    width: int
    height: int


def _u8(pixels: object) -> Image:
    """OpenCV's stubs type every result loosely; the pixels are uint8 because the input was."""
    return cast(Image, pixels)


def _normalise(pixels: Image, spec: InputSpec) -> Tensor:
    """HWC BGR uint8 → CHW float32 in the model's colour order and normalisation."""
    if spec.color == "RGB":
        pixels = pixels[..., ::-1]
    # (value * scale - mean) / std, folded into one multiply-add per pixel.
    gain = np.array([spec.scale / s for s in spec.std], dtype=np.float32)
    offset = np.array([m / s for m, s in zip(spec.mean, spec.std, strict=True)], dtype=np.float32)
    chw = np.transpose(pixels, (2, 0, 1)).astype(np.float32)
    chw *= gain[:, None, None]
    chw -= offset[:, None, None]
    return chw


def letterbox(image: Image, spec: InputSpec) -> tuple[Tensor, Letterbox]:
    """Scale to fit the input, keep the aspect ratio, pad right and bottom."""
    h, w = image.shape[:2]
    scale = min(spec.width / w, spec.height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    pad_value = int(round(spec.pad_value))
    canvas = np.full((spec.height, spec.width, 3), pad_value, dtype=np.uint8)
    canvas[:new_h, :new_w] = resized
    return _normalise(canvas, spec), Letterbox(scale=scale, width=w, height=h)


def resize_center_crop(image: Image, spec: InputSpec) -> Tensor:
    """Resize the shorter side to ``resize_size``, then cut the centre ``height × width``."""
    h, w = image.shape[:2]
    scale = spec.resize_size / min(h, w)
    new_w, new_h = max(spec.width, round(w * scale)), max(spec.height, round(h * scale))
    # INTER_AREA only where we shrink a lot: it is ten times slower than linear on big frames.
    interpolation = cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    top, left = (new_h - spec.height) // 2, (new_w - spec.width) // 2
    return _normalise(_u8(resized[top : top + spec.height, left : left + spec.width]), spec)


def stretch(image: Image, spec: InputSpec) -> Tensor:
    resized = cv2.resize(image, (spec.width, spec.height), interpolation=cv2.INTER_LINEAR)
    return _normalise(_u8(resized), spec)


def prepare(image: Image, spec: InputSpec) -> Tensor:
    """One image → CHW tensor by the spec's resize policy (letterbox geometry discarded)."""
    if spec.resize == "letterbox":
        return letterbox(image, spec)[0]
    if spec.resize == "resize_center_crop":
        return resize_center_crop(image, spec)
    return stretch(image, spec)


def square_crop(image: Image, x0: float, y0: float, x1: float, y1: float, padding: float, out_size: int | None = None) -> Image:
    """A square around the box, ``padding`` larger than its longer side, filled with black beyond the edges.

    Classifying a square crop of the animal with a little context, rather than
    the whole frame, roughly doubles ImageNet top-1 on camera-trap photos; a
    square keeps the animal's proportions through the classifier's resize.

    With ``out_size`` the square comes back already shrunk to that side: the
    image part is resized before the black border is added, so a whole 1080p
    frame costs a 1080×1080 → 256 resize, not a padded 1920×1920 one.
    """
    h, w = image.shape[:2]
    side = max(x1 - x0, y1 - y0) * (1.0 + padding)
    side = max(side, 8.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    size = int(round(side))
    right, bottom = left + size, top + size
    inner = image[max(top, 0) : min(bottom, h), max(left, 0) : min(right, w)]
    pad = [max(0, -top), max(0, bottom - h), max(0, -left), max(0, right - w)]
    if out_size is not None and size > out_size:
        scale = out_size / size
        new_w = max(1, round(inner.shape[1] * scale))
        new_h = max(1, round(inner.shape[0] * scale))
        inner = _u8(cv2.resize(inner, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR))
        above, before = round(pad[0] * scale), round(pad[2] * scale)
        pad = [above, out_size - new_h - above, before, out_size - new_w - before]
        pad = [max(0, p) for p in pad]
    if any(pad):
        top_pad, bottom_pad, left_pad, right_pad = pad
        inner = _u8(cv2.copyMakeBorder(inner, top_pad, bottom_pad, left_pad, right_pad, cv2.BORDER_CONSTANT, value=(0, 0, 0)))
    return inner
