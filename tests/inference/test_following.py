"""Following boxes between detector frames, on real photos moved by known amounts."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.inference.engine import Recognizer
from livespecies.inference.following import FollowSettings, detector_interval, follow_box, grey_copy
from livespecies.pipeline import LivePipeline
from livespecies.types import Box, Frame

SETTINGS = FollowSettings()


def pan(photo: np.ndarray, dx: int, dy: int, size: tuple[int, int] = (960, 540)) -> np.ndarray:
    """A window of the photo, moved by (dx, dy): what a camera sees when the animal moves by (−dx, −dy)."""
    w, h = size
    big = cv2.resize(photo, (w + 200, h + 200), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(big[100 + dy : 100 + dy + h, 100 + dx : 100 + dx + w])


@pytest.fixture(scope="module")
def polar_bear(photos: Path) -> np.ndarray:
    image = cv2.imread(str(photos / "animals" / "explore_world_animals-polar_bear.webp"))
    assert image is not None
    return image


@pytest.mark.parametrize(("dx", "dy"), [(0, 0), (12, 0), (-20, 8), (30, -25)])
def test_a_box_follows_its_content_by_the_known_shift(polar_bear: np.ndarray, dx: int, dy: int) -> None:
    before, after = pan(polar_bear, 0, 0), pan(polar_bear, dx, dy)
    box = Box(0.3, 0.25, 0.4, 0.5)
    moved = follow_box(grey_copy(before, SETTINGS.width), grey_copy(after, SETTINGS.width), box, SETTINGS)
    # The camera window moved by (dx, dy) pixels of a 960-pixel frame: the content moved by the opposite.
    assert moved.x == pytest.approx(box.x - dx / 960, abs=2.5 / 480)
    assert moved.y == pytest.approx(box.y - dy / 540, abs=2.5 / 270)
    assert moved.w == pytest.approx(box.w, rel=0.05) and moved.h == pytest.approx(box.h, rel=0.05)


def test_a_box_with_nothing_to_follow_is_not_followed() -> None:
    flat = np.full((540, 960, 3), 90, np.uint8)
    box = Box(0.2, 0.2, 0.3, 0.3)
    assert follow_box(grey_copy(flat, 480), grey_copy(flat, 480), box, SETTINGS) is None


def test_a_box_whose_content_is_replaced_is_not_followed(polar_bear: np.ndarray, photos: Path) -> None:
    """Corners that do not survive the forward-backward check are not a motion: another picture in the box."""
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (540, 960, 3), dtype=np.uint8)
    box = Box(0.3, 0.3, 0.3, 0.3)
    assert follow_box(grey_copy(pan(polar_bear, 0, 0), 480), grey_copy(noise, 480), box, SETTINGS) is None
    koala = cv2.imread(str(photos / "animals" / "explore_world_animals-koala.webp"))
    assert follow_box(grey_copy(pan(polar_bear, 0, 0), 480), grey_copy(pan(koala, 0, 0), 480), box, SETTINGS) is None


@pytest.mark.parametrize(
    ("full", "follow", "expected"),
    [
        (0.05, 0.005, 1),  # detecting every frame already gives 20 results/s
        (0.16, 0.005, 2),  # (0.16 + 0.005) / 2 ≈ 83 ms per result: just within 1/12 s
        (0.30, 0.005, 4),  # (0.30 + 3 × 0.005) / 4 ≈ 79 ms
        (0.60, 0.005, 1),  # one detector pass is longer than the longest wait allowed: every frame, as before
        (0.16, 0.10, 1),  # following costs more than the budget: no point
    ],
)
def test_the_detector_interval_fits_the_time_budget(full: float, follow: float, expected: int) -> None:
    k = detector_interval(full, follow, SETTINGS)
    assert k == expected
    if k > 1:
        assert (full + (k - 1) * follow) / k <= 1 / SETTINGS.target_rate
        assert full + (k - 1) * follow <= SETTINGS.max_interval


def test_live_pipeline_follows_between_detector_frames_and_keeps_the_label(recognizer: Recognizer, polar_bear: np.ndarray) -> None:
    """The real models on a panning view of a real polar bear: detector frames and followed frames alternate as the
    budget says; followed frames carry the track's label and move its box with the animal."""
    pipeline = LivePipeline(recognizer, follow=FollowSettings(target_rate=10.0, max_interval=100.0))
    pipeline._full_seconds = 0.5  # as measured on a slow machine: following is due on the next frames
    results = []
    for step in range(6):
        pixels = pan(polar_bear, 8 * step, 0)
        results.append(pipeline.process(Frame(step + 1, float(step) / 10, float(step), pixels), 0.7))
    first = results[0]
    assert first.detected and first.result.predictions, "the first frame always runs the models"
    followed = [r for r in results if not r.detected]
    assert followed, "no frame was followed"
    name = first.result.predictions[0].taxon.name
    for live in followed:
        assert live.result.predictions[0].taxon.name == name
        assert live.track_ids[0] == first.track_ids[0]
    # The view panned right by 8 px (of 960) per frame: the bear's box moved left by as much on followed frames.
    last_followed = max(followed, key=lambda r: r.frame.seq)
    steps = last_followed.frame.seq - 1
    start_box, end_box = first.result.predictions[0].box, last_followed.result.predictions[0].box
    assert start_box is not None and end_box is not None
    # Boxes are clipped at the frame's edges, so compare the edge that stays inside.
    if start_box.x > 0.02:
        assert end_box.x == pytest.approx(start_box.x - steps * 8 / 960, abs=0.02)


def test_a_new_animal_in_the_same_place_runs_the_models_at_once(recognizer: Recognizer, polar_bear: np.ndarray, photos: Path) -> None:
    """Following must not carry the bear's name onto a koala that replaced it between detector frames."""
    koala = cv2.imread(str(photos / "animals" / "explore_world_animals-koala.webp"))
    pipeline = LivePipeline(recognizer, follow=FollowSettings(target_rate=10.0, max_interval=100.0))
    pipeline._full_seconds = 0.5
    first = pipeline.process(Frame(1, 0.0, 0.0, pan(polar_bear, 0, 0)), 0.7)
    assert first.detected and first.result.predictions[0].taxon.name == "Ursus maritimus"
    assert not pipeline.process(Frame(2, 0.1, 0.1, pan(polar_bear, 4, 0)), 0.7).detected
    swapped = pipeline.process(Frame(3, 0.2, 0.2, pan(koala, 4, 0)), 0.7)
    assert swapped.detected


def test_a_new_threshold_runs_the_models_at_once(recognizer: Recognizer, polar_bear: np.ndarray) -> None:
    pipeline = LivePipeline(recognizer, follow=FollowSettings(target_rate=10.0, max_interval=100.0))
    pipeline._full_seconds = 0.5
    pixels = pan(polar_bear, 0, 0)
    assert pipeline.process(Frame(1, 0.0, 0.0, pixels), 0.7).detected
    assert not pipeline.process(Frame(2, 0.1, 0.1, pixels), 0.7).detected
    assert pipeline.process(Frame(3, 0.2, 0.2, pixels), 0.5).detected


def test_following_is_off_by_default(recognizer: Recognizer, polar_bear: np.ndarray) -> None:
    """The watcher's pipeline: every frame it takes runs the models."""
    pipeline = LivePipeline(recognizer)
    pixels = pan(polar_bear, 0, 0)
    assert all(pipeline.process(Frame(i, i / 10, i / 10, pixels), 0.7).detected for i in range(1, 4))


def filling_the_frame(recognizer: Recognizer, image: np.ndarray) -> np.ndarray:
    """The photo cut around its animal, so that two such pictures put two animals in the same box."""
    box = recognizer.detector.detect(image, 0.25)[0].box  # type: ignore[union-attr]
    assert box is not None
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box.to_pixels(w, h)
    side = int(max(x1 - x0, y1 - y0) * 1.3)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    left, top = max(0, min(w - side, cx - side // 2)), max(0, min(h - side, cy - side // 2))
    return np.ascontiguousarray(cv2.resize(image[top : top + side, left : left + side], (480, 480), interpolation=cv2.INTER_AREA))


def test_only_new_or_changed_crops_are_classified_and_each_track_is_rechecked(recognizer: Recognizer, polar_bear: np.ndarray,
                                                                             photos: Path) -> None:  # fmt: skip
    koala = filling_the_frame(recognizer, cv2.imread(str(photos / "animals" / "explore_world_animals-koala.webp")))
    bear = filling_the_frame(recognizer, polar_bear)
    every_frame = FollowSettings(target_rate=0.1, recheck=1.0)  # the detector on every frame: only reuse is tested
    pipeline = LivePipeline(recognizer, follow=every_frame)
    names = []
    for seq, (pixels, when) in enumerate([(bear, 0.0), (bear, 0.3), (koala, 0.6), (koala, 0.9), (koala, 2.0)], start=1):
        live = pipeline.process(Frame(seq, when, when, pixels), 0.7)
        assert live.detected
        names.append((live.result.predictions[0].taxon.name, pipeline.reused))
    assert names[0] == ("Ursus maritimus", 0)
    assert names[1] == ("Ursus maritimus", 1), "the same bear 0.3 s later: its answer is kept, not classified again"
    assert names[2] == ("Phascolarctos cinereus", 1), "a koala in the bear's box is classified, never given the bear's name"
    assert names[3] == ("Phascolarctos cinereus", 2)
    assert names[4] == ("Phascolarctos cinereus", 2), "1.4 s after its last classification the koala is checked again"
