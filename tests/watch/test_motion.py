"""Motion gating on real photos: a still scene with sensor noise stays quiet, an animal walking in is seen, an
infrared switch recalibrates instead of counting as motion, and a still animal is still checked every few seconds."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.watch.config import Motion
from livespecies.watch.motion import MotionGate, MotionVerdict, inference_due

RNG = np.random.default_rng(0)


@pytest.fixture
def scene(photos: Path) -> np.ndarray:
    return cv2.resize(cv2.imread(str(photos / "blank/usa-canyondeChelly.webp")), (640, 360))


@pytest.fixture
def animal(photos: Path) -> np.ndarray:
    fox = cv2.imread(str(photos / "animals/explore_world_animals-koala.webp"))
    return cv2.resize(fox, (100, 75))


def noisy(image: np.ndarray) -> np.ndarray:
    """Sensor noise as a real camera has it (sigma 4 grey levels)."""
    return np.clip(image.astype(np.int16) + RNG.normal(0, 4, image.shape).astype(np.int16), 0, 255).astype(np.uint8)


def with_animal(scene: np.ndarray, animal: np.ndarray, x: int, y: int = 200) -> np.ndarray:
    out = scene.copy()
    out[y : y + animal.shape[0], x : x + animal.shape[1]] = animal
    return out


def test_a_still_scene_with_noise_is_not_motion(scene: np.ndarray) -> None:
    gate = MotionGate(Motion())
    verdicts = [gate.check(noisy(scene)) for _ in range(50)]
    assert verdicts[0].recalibrated and not any(v.changed for v in verdicts[1:])


def test_an_animal_walking_in_is_motion(scene: np.ndarray, animal: np.ndarray) -> None:
    gate = MotionGate(Motion())
    for _ in range(10):
        gate.check(noisy(scene))
    walking = [gate.check(noisy(with_animal(scene, animal, x))) for x in range(50, 450, 20)]
    assert all(v.changed for v in walking), [round(v.area, 3) for v in walking]


def test_an_infrared_switch_recalibrates_instead_of_counting_as_motion(scene: np.ndarray) -> None:
    gate = MotionGate(Motion())
    for _ in range(5):
        gate.check(noisy(scene))
    night = cv2.cvtColor(cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    night = cv2.convertScaleAbs(night, alpha=0.4, beta=90)  # grey, flat, brighter: what an IR switch does to a frame
    switched = gate.check(noisy(night))
    assert switched.recalibrated and not switched.changed
    assert not any(gate.check(noisy(night)).changed for _ in range(10))


def test_a_still_animal_is_checked_every_few_seconds(scene: np.ndarray, animal: np.ndarray) -> None:
    gate = MotionGate(Motion(check_every=5.0))
    sitting = with_animal(scene, animal, 250)
    runs = [t / 10 for t in range(0, 300) if gate.should_infer(noisy(sitting), t / 10)]  # 30 s at 10 fps, animal never moves
    assert runs[0] == 0.0 and len(runs) <= 10  # most frames skipped …
    assert max(b - a for a, b in pairwise(runs)) <= 5.0 + 1e-9  # … but never more than 5 s without a look


def test_disabled_gate_runs_every_frame(scene: np.ndarray) -> None:
    gate = MotionGate(Motion(enabled=False))
    assert all(gate.should_infer(scene, t / 10) for t in range(20))


@pytest.mark.parametrize(
    ("changed", "recalibrated", "since", "due"),
    [(False, False, None, True), (True, False, 0.1, True), (False, True, 0.1, True), (False, False, 4.9, False), (False, False, 5.0, True)],
)
def test_inference_due(changed: bool, recalibrated: bool, since: float | None, due: bool) -> None:
    assert inference_due(MotionVerdict(changed, 0.0, recalibrated), since, 5.0) is due
