"""Preprocessing arithmetic on tiny arrays: geometry and normalisation must match the contract exactly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from livespecies.inference.contract import InputSpec
from livespecies.inference.preprocess import letterbox, prepare, resize_center_crop, square_crop


def spec(**changes: object) -> InputSpec:
    base = dict(name="x", height=8, width=8, color="RGB", resize="letterbox", resize_size=8, pad_value=0.0,
                scale=1.0, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))  # fmt: skip
    base.update(changes)
    return InputSpec(**base)  # type: ignore[arg-type]


def test_letterbox_keeps_aspect_and_pads_right_and_bottom() -> None:
    image = np.full((4, 16, 3), 200, dtype=np.uint8)  # wide: scales by 0.5 to 8×2
    tensor, geometry = letterbox(image, spec(pad_value=7.0))
    assert tensor.shape == (3, 8, 8)
    assert geometry.scale == 0.5 and (geometry.width, geometry.height) == (16, 4)
    assert np.all(tensor[:, :2, :] == 200) and np.all(tensor[:, 2:, :] == 7)


def test_normalisation_and_colour_order() -> None:
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 10, 20, 30  # B, G, R
    rgb = prepare(image, spec(resize="stretch", scale=0.5, mean=(1.0, 2.0, 3.0), std=(2.0, 4.0, 8.0)))
    # R first: (30*0.5 - 1)/2 = 7, (20*0.5 - 2)/4 = 2, (10*0.5 - 3)/8 = 0.25
    assert rgb[:, 0, 0] == pytest.approx([7.0, 2.0, 0.25])
    bgr = prepare(image, spec(resize="stretch", color="BGR"))
    assert bgr[:, 0, 0] == pytest.approx([10.0, 20.0, 30.0])


def test_resize_center_crop_takes_the_middle() -> None:
    image = np.zeros((10, 30, 3), dtype=np.uint8)
    image[:, 10:20] = 255  # a bright middle third
    out = resize_center_crop(image, spec(height=10, width=10, resize="resize_center_crop", resize_size=10))
    assert out.shape == (3, 10, 10) and out.min() > 200


def test_square_crop_is_square_padded_and_filled_black_beyond_edges() -> None:
    image = np.full((100, 200, 3), 255, dtype=np.uint8)
    crop = square_crop(image, 150, 0, 200, 20, padding=0.0)  # 50×20 box at the top-right corner
    assert crop.shape[0] == crop.shape[1] == 50
    assert crop[0, 0].tolist() == [0, 0, 0]  # above the image: black
    assert crop[-1, 0].tolist() == [255, 255, 255]  # inside: the image
    wider = square_crop(image, 50, 40, 70, 60, padding=0.5)
    assert wider.shape[:2] == (30, 30)


def test_square_crop_shrunk_to_out_size_matches_crop_then_resize() -> None:
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 255, (300, 500, 3), dtype=np.uint8), (9, 9), 3)
    direct = square_crop(image, 0, 0, 500, 300, 0.0, out_size=100)
    assert direct.shape == (100, 100, 3)
    reference = cv2.resize(square_crop(image, 0, 0, 500, 300, 0.0), (100, 100), interpolation=cv2.INTER_AREA)
    assert np.abs(direct.astype(int) - reference.astype(int)).mean() < 4
    assert direct[:5].max() == 0 and direct[-5:].max() == 0  # black bands above and below the wide frame
    small = square_crop(image, 10, 10, 40, 40, 0.0, out_size=100)  # already smaller: not enlarged here
    assert small.shape == (30, 30, 3)
