"""The live smoothing and hysteresis rule, frame by frame, from tables."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.inference.decision import DecisionSettings
from livespecies.inference.smoothing import NOT_ANIMAL, UNKNOWN, SmoothingSettings, Track, iou, key_of, match, update_tracks
from livespecies.inference.species_list import SpeciesList
from livespecies.types import Box, Detection, Observation
from tests.inference.test_taxonomy import TAXONOMY, probs

LEFT = Box(0.1, 0.1, 0.2, 0.2)
LEFT_MOVED = Box(0.12, 0.11, 0.2, 0.2)
RIGHT = Box(0.7, 0.6, 0.2, 0.2)
BEAR = probs(brown_bear=0.95)
BLACK = probs(American_black_bear=0.95)
LION = probs(lion=0.9)
CAR = probs(sports_car=0.9)
SETTINGS = SmoothingSettings(window=3, hold=3, match_iou=0.3, max_age=1.0)


def run(frames: list[list[tuple[Box | None, np.ndarray]]], threshold: float = 0.7, settings: SmoothingSettings = SETTINGS,
        dt: float = 0.1) -> list[list[tuple[int, tuple[str, str]]]]:  # fmt: skip
    """Feed frames of (box, probabilities); return, per frame, the (track id, shown key) of each track seen."""
    tracks: list[Track] = []
    next_id = 1
    shown = []
    for k, frame in enumerate(frames):
        observations = [Observation(Detection(box, 0.9), p) for box, p in frame]
        tracks, seen, next_id = update_tracks(tracks, observations, k * dt, TAXONOMY, DecisionSettings(threshold), settings, next_id)
        shown.append([(t.track_id, t.shown_key) for t in seen])
    return shown


U = ("species", "Ursus arctos")
A = ("species", "Ursus americanus")
G = ("genus", "Ursus")
L = ("species", "Panthera leo")


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        # A new animal shows its first answer at once.
        ([[(LEFT, BEAR)]], [[(1, U)]]),
        # The same animal, moving a little, keeps its track and label.
        ([[(LEFT, BEAR)], [(LEFT_MOVED, BEAR)]], [[(1, U)], [(1, U)]]),
        # One odd frame does not flip the label: the average (2 brown, 1 black) still says brown bear.
        ([[(LEFT, BEAR)], [(LEFT, BEAR)], [(LEFT, BLACK)], [(LEFT, BEAR)]], [[(1, U)], [(1, U)], [(1, U)], [(1, U)]]),
        # A real change must hold: black bear from frame 3 on. The 3-frame mean says "Ursus" for frames 3-4
        # (not shown: it held only twice), then black bear for frames 5, 6, 7: shown from frame 7.
        (
            [[(LEFT, BEAR)], [(LEFT, BEAR)]] + [[(LEFT, BLACK)]] * 6,
            [[(1, U)]] * 6 + [[(1, A)]] * 2,
        ),
        # Two animals are two tracks.
        ([[(LEFT, BEAR), (RIGHT, LION)]], [[(1, U), (2, L)]]),
        # A car is not an animal; an unsure living thing is an unknown animal.
        ([[(LEFT, CAR), (RIGHT, probs(brown_bear=0.3, lion=0.3))]], [[(1, NOT_ANIMAL), (2, UNKNOWN)]]),
        # Whole-frame answers (no box) follow each other as one track.
        ([[(None, BEAR)], [(None, BEAR)]], [[(1, U)], [(1, U)]]),
    ],
)
def test_smoothing_table(frames, expected) -> None:  # type: ignore[no-untyped-def]
    assert run(frames) == expected


def test_moving_the_threshold_re_decides_at_once() -> None:
    split = probs(brown_bear=0.45, American_black_bear=0.45)
    tracks, seen, next_id = update_tracks([], [Observation(Detection(LEFT, 0.9), split)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    assert seen[0].shown_key == G
    tracks, seen, _ = update_tracks(tracks, [Observation(Detection(LEFT, 0.9), split)], 0.1, TAXONOMY, DecisionSettings(0.4), SETTINGS, next_id)
    assert seen[0].shown_key == U  # 0.45 ≥ 0.4: the species, without waiting for the hold


def test_a_track_unseen_longer_than_max_age_is_forgotten() -> None:
    first = run([[(LEFT, BEAR)], [], [(LEFT, BEAR)]], dt=0.4)  # gone 0.4 s: same track
    assert first[-1] == [(1, U)]
    later = run([[(LEFT, BEAR)], [], [], [], [(LEFT, BEAR)]], dt=0.4)  # gone 1.2 s > 1.0: a new track
    assert later[-1] == [(2, U)]


def test_label_follows_the_box() -> None:
    tracks, seen, n = update_tracks([], [Observation(Detection(LEFT, 0.9), BEAR)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    tracks, seen, n = update_tracks(tracks, [Observation(Detection(LEFT_MOVED, 0.8), BEAR)], 0.1, TAXONOMY, DecisionSettings(0.7), SETTINGS, n)
    assert seen[0].shown.box == LEFT_MOVED and seen[0].shown.detector_score == 0.8  # type: ignore[union-attr]


@pytest.mark.parametrize(("a", "b", "value"), [(LEFT, LEFT, 1.0), (LEFT, RIGHT, 0.0), (None, None, 1.0), (LEFT, None, 0.0)])
def test_iou(a: Box | None, b: Box | None, value: float) -> None:
    assert iou(a, b) == pytest.approx(value)


def test_greedy_match_uses_each_track_once() -> None:
    tracks = [Track(1, LEFT, 0.9, (BEAR,), None, None, 0, 0.7, 0, 0)]
    observations = [Observation(Detection(LEFT_MOVED, 0.9), BEAR), Observation(Detection(LEFT, 0.9), BEAR)]
    assert match(tracks, observations, 0.3) == {1: 0}  # the better overlap wins; the other starts a new track
    assert key_of(None) == NOT_ANIMAL


def test_settings_are_bounded() -> None:
    with pytest.raises(ValueError):
        SmoothingSettings(window=0)


def test_live_decisions_use_the_not_an_animal_rule_of_the_engine_settings() -> None:
    """The live path once ignored ``min_organism_mass`` (it built its own settings with the threshold only):
    a box that is 40 % sports car passed as an animal live but not in `classify`."""
    mostly_living = probs(brown_bear=0.6, sports_car=0.4)
    strict = DecisionSettings(0.5, min_organism_mass=0.7)
    _, seen, _ = update_tracks([], [Observation(Detection(LEFT, 0.9), mostly_living)], 0.0, TAXONOMY, strict, SETTINGS, 1)
    assert seen[0].shown_key == NOT_ANIMAL
    _, seen, _ = update_tracks([], [Observation(Detection(LEFT, 0.9), mostly_living)], 0.0, TAXONOMY, DecisionSettings(0.5, 0.5), SETTINGS, 1)
    assert seen[0].shown_key == U


def test_live_decisions_follow_the_site_species_list() -> None:
    """A species outside the site list is shown at the genus that holds a listed one, live as in `classify`."""
    site = SpeciesList("site.txt", ("Ursus americanus",))
    decision = DecisionSettings(0.7, species=site)
    _, seen, _ = update_tracks([], [Observation(Detection(LEFT, 0.9), BEAR)], 0.0, TAXONOMY, decision, SETTINGS, 1)
    assert seen[0].shown_key == G
