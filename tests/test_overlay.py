"""The overlay on real frames: boxes and readable label plates where the results say, nothing where they do not."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.overlay.draw import KNOWN, PLATE, UNKNOWN, draw_overlay, overlay_items, place_plates, prediction_item, text_scale
from livespecies.types import Box, Detection, Prediction, Result, Taxon

URSUS = Taxon("genus", "Ursus")
BEAR = Prediction(Taxon("species", "Ursus maritimus", "polar bear"), 0.93, (), Box(0.2, 0.3, 0.4, 0.4), 0.6)
GENUS = Prediction(URSUS, 0.81, (URSUS,), Box(0.5, 0.5, 0.3, 0.3), 0.5)


def test_titles_say_rank_when_rolled_up() -> None:
    assert prediction_item(BEAR).title == "polar bear 93%" and prediction_item(BEAR).detail == "Ursus maritimus"
    assert prediction_item(GENUS).title == "Ursus (genus) 81%" and prediction_item(GENUS).detail is None


def colour_pixels(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(np.abs(image.astype(int) - colour) <= 2, axis=2).sum())


@pytest.mark.parametrize("size", [(1920, 1080), (640, 360), (320, 180)])
def test_boxes_and_plates_are_drawn_at_any_size(photos: Path, size: tuple[int, int]) -> None:
    frame = cv2.resize(cv2.imread(str(photos / "animals/explore_world_animals-polar_bear.webp")), size)
    result = Result(size[0], size[1], (BEAR,), (Detection(Box(0.05, 0.05, 0.1, 0.1), 0.7),))
    drawn = draw_overlay(frame, overlay_items(result))
    assert colour_pixels(drawn, KNOWN) > 50 and colour_pixels(drawn, UNKNOWN) > 20
    assert colour_pixels(drawn, PLATE) > 100  # the opaque plate behind the text
    assert np.array_equal(frame, cv2.resize(cv2.imread(str(photos / "animals/explore_world_animals-polar_bear.webp")), size))  # input untouched
    assert text_scale(size[1])[0] * 22 >= 13  # text never below 13 px


def test_nothing_to_draw_leaves_the_frame_unchanged(photos: Path) -> None:
    frame = cv2.imread(str(photos / "blank/usa-canyondeChelly.webp"))
    assert np.array_equal(draw_overlay(frame, overlay_items(Result(10, 10, ()))), frame)


def test_whole_frame_answer_is_a_banner(photos: Path) -> None:
    frame = cv2.imread(str(photos / "animals/explore_world_animals-dragon.webp"))
    whole = Prediction(Taxon("species", "Varanus komodoensis", "Komodo dragon"), 0.8, (), None, None)
    drawn = draw_overlay(frame, overlay_items(Result(frame.shape[1], frame.shape[0], (whole,))))
    assert colour_pixels(drawn[: frame.shape[0] // 4, : frame.shape[1] // 2], PLATE) > 200


def test_overlapping_boxes_get_plates_that_do_not_overlap() -> None:
    """Two hens side by side at a feeder: boxes overlap, their label plates must not."""
    boxes = [(100, 200, 400, 500), (150, 210, 450, 520), (120, 205, 420, 505)]
    sizes = [(260, 60), (260, 60), (260, 60)]
    corners = place_plates(boxes, sizes, (1280, 720))
    rects = [(x, y, x + w, y + h) for (x, y), (w, h) in zip(corners, sizes, strict=True)]
    for i, a in enumerate(rects):
        assert 0 <= a[0] and a[2] <= 1280 and 0 <= a[1] and a[3] <= 720
        for b in rects[i + 1 :]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), (a, b)
    assert corners[0] == (100, 140)  # the first (most confident) keeps the usual place above its box


def test_plates_on_drawn_frames_do_not_cover_each_other(photos: Path) -> None:
    frame = cv2.imread(str(photos / "animals/explore_world_animals-polar_bear.webp"))
    h, w = frame.shape[:2]
    first = Prediction(Taxon("species", "Gallus gallus", "hen"), 0.9, (), Box(0.2, 0.3, 0.3, 0.4), 0.8)
    second = Prediction(Taxon("species", "Gallus gallus", "hen"), 0.85, (), Box(0.25, 0.31, 0.3, 0.4), 0.8)
    alone = draw_overlay(frame, overlay_items(Result(w, h, (first,))))
    both = draw_overlay(frame, overlay_items(Result(w, h, (first, second))))
    # The second plate adds its whole area of dark plate: nothing of the first one is painted over.
    added = colour_pixels(both, PLATE) - colour_pixels(alone, PLATE)
    assert added >= 0.9 * colour_pixels(alone, PLATE), added
