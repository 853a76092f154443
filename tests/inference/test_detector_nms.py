"""Non-maximum suppression: overlapping boxes of one animal collapse, separate animals stay."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.inference.detector import non_max_suppression


@pytest.mark.parametrize(
    ("boxes", "scores", "kept"),
    [
        ([[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], [0]),  # heavy overlap: one animal
        ([[0, 0, 10, 10], [20, 0, 30, 10]], [0.6, 0.9], [1, 0]),  # two animals, best first
        ([[0, 0, 100, 100], [40, 40, 50, 50]], [0.9, 0.5], [0]),  # a head inside its body
        ([[0, 0, 10, 10], [5, 0, 15, 10]], [0.9, 0.8], [0, 1]),  # side by side, IoU 1/3: both kept
        ([], [], []),
    ],
)
def test_non_max_suppression(boxes: list[list[float]], scores: list[float], kept: list[int]) -> None:
    corners = np.array(boxes, dtype=np.float32).reshape(-1, 4)
    assert non_max_suppression(corners, np.array(scores, dtype=np.float32), 0.45) == kept
