"""The live smoothing and hysteresis rule, frame by frame, from tables."""

from __future__ import annotations

import numpy as np
import pytest

from livespecies.inference.decision import DecisionSettings
from livespecies.inference.smoothing import NOT_ANIMAL, UNKNOWN, SmoothingSettings, Track, iou, key_of, match, update_tracks, visit_answer
from livespecies.inference.species_list import SpeciesList
from livespecies.types import Box, Detection, Observation, Prediction
from tests.inference.test_taxonomy import TAXONOMY, probs

LEFT = Box(0.1, 0.1, 0.2, 0.2)
LEFT_MOVED = Box(0.12, 0.11, 0.2, 0.2)
RIGHT = Box(0.7, 0.6, 0.2, 0.2)
BEAR = probs(brown_bear=0.95)
BLACK = probs(American_black_bear=0.95)
LION = probs(lion=0.9)
CAR = probs(sports_car=0.9)
SETTINGS = SmoothingSettings(half_life=0.5, hold=0.75, match_iou=0.3, max_age=1.0)


def run(frames: list[list[tuple[Box | None, np.ndarray]]], threshold: float = 0.7, settings: SmoothingSettings = SETTINGS,
        dt: float = 0.1) -> list[list[tuple[int, tuple[str, str]]]]:  # fmt: skip
    """Feed frames of (box, probabilities) ``dt`` seconds apart; return, per frame, the (track id, shown key) of each track seen."""
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
SPLIT = probs(brown_bear=0.45, American_black_bear=0.45)  # sure of the genus only
UNSURE = probs(brown_bear=0.3, lion=0.3)  # living, but no taxon reaches 0.7


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        # A new animal shows its first answer at once.
        ([[(LEFT, BEAR)]], [[(1, U)]]),
        # The same animal, moving a little, keeps its track and label.
        ([[(LEFT, BEAR)], [(LEFT_MOVED, BEAR)]], [[(1, U)], [(1, U)]]),
        # A lion where the bear stood is another animal: a new track, named at once (the bear's track is not reused).
        ([[(LEFT, BEAR)], [(LEFT, LION)], [(LEFT, LION)]], [[(1, U)], [(2, L)], [(2, L)]]),
        # Two animals are two tracks.
        ([[(LEFT, BEAR), (RIGHT, LION)]], [[(1, U), (2, L)]]),
        # A car is not an animal; an unsure living thing is an unknown animal.
        ([[(LEFT, CAR), (RIGHT, UNSURE)]], [[(1, NOT_ANIMAL), (2, UNKNOWN)]]),
        # Whole-frame answers (no box) follow each other as one track.
        ([[(None, BEAR)], [(None, BEAR)]], [[(1, U)], [(1, U)]]),
    ],
)
def test_smoothing_table(frames, expected) -> None:  # type: ignore[no-untyped-def]
    assert run(frames) == expected


@pytest.mark.parametrize("dt", [0.1, 0.5])  # 10 and 2 results per second
def test_a_coarser_answer_on_the_same_lineage_shows_as_soon_as_the_mean_says_it(dt: float) -> None:
    """The same bear told only at the genus for a while: one track, and "Ursus" shows with no hold, since it
    contradicts nothing shown."""
    shown = run([[(LEFT, BEAR)]] + [[(LEFT, SPLIT)]] * 20, dt=dt)
    assert {track for frame in shown for track, _ in frame} == {1}
    keys = [frame[0][1] for frame in shown]
    switched = keys.index(G)
    assert keys[:switched] == [U] * switched and keys[switched:] == [G] * (len(keys) - switched)
    mean_says_genus = 0.95 * 0.5 ** (switched * dt / SETTINGS.half_life) + 0.45 * (1 - 0.5 ** (switched * dt / SETTINGS.half_life))
    assert mean_says_genus < 0.7  # shown on the very update the mean dropped below the threshold for the species


@pytest.mark.parametrize("dt", [0.1, 0.5])  # 10 and 2 results per second
def test_losing_the_name_waits_the_same_time_at_any_result_rate(dt: float) -> None:
    """A named bear whose answers turn unsure keeps its name for ``hold`` seconds, not for a number of results."""
    frames = [[(LEFT, BEAR)]] * 3 + [[(LEFT, UNSURE)]] * 30
    shown = run(frames, dt=dt)
    switched = next(k for k, frame in enumerate(shown) if frame[0][1] == UNKNOWN)
    unsure_since = 3 * dt
    assert SETTINGS.hold <= switched * dt - unsure_since + 1e-9  # never before the hold
    assert switched * dt - unsure_since <= SETTINGS.hold + 2 * SETTINGS.half_life + dt  # the mean must turn first, then the hold


def test_the_mean_forgets_by_time_not_by_count() -> None:
    """After one half-life the old evidence weighs one half, whatever happened in between."""
    first = probs(brown_bear=1.0)
    tracks, _, n = update_tracks([], [Observation(Detection(LEFT, 0.9), first)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    stay = probs(brown_bear=0.2, lion=0.2)  # an unsure answer: the same track
    tracks, seen, _ = update_tracks(tracks, [Observation(Detection(LEFT, 0.9), stay)], SETTINGS.half_life, TAXONOMY,
                                    DecisionSettings(0.7), SETTINGS, n)  # fmt: skip
    assert seen[0].mean == pytest.approx(0.5 * first + 0.5 * stay)


def test_moving_the_threshold_re_decides_at_once() -> None:
    tracks, seen, next_id = update_tracks([], [Observation(Detection(LEFT, 0.9), SPLIT)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    assert seen[0].shown_key == G
    tracks, seen, _ = update_tracks(tracks, [Observation(Detection(LEFT, 0.9), SPLIT)], 0.1, TAXONOMY, DecisionSettings(0.4), SETTINGS, next_id)
    assert seen[0].shown_key == U  # 0.45 ≥ 0.4: the species, without waiting for the hold


def test_a_track_unseen_longer_than_max_age_is_forgotten() -> None:
    first = run([[(LEFT, BEAR)], [], [(LEFT, BEAR)]], dt=0.4)  # gone 0.4 s: same track
    assert first[-1] == [(1, U)]
    later = run([[(LEFT, BEAR)], [], [], [], [(LEFT, BEAR)]], dt=0.4)  # gone 1.2 s > 1.0: a new track
    assert later[-1] == [(2, U)]


def test_the_visit_answer_is_what_all_its_evidence_supports() -> None:
    """A visit that was a brown bear for most frames and unsure for some is a brown bear as a whole."""
    tracks: list[Track] = []
    n = 1
    for k, p in enumerate([BEAR, BEAR, SPLIT, BEAR, UNSURE]):
        tracks, seen, n = update_tracks(tracks, [Observation(Detection(LEFT, 0.9), p)], k * 0.1, TAXONOMY, DecisionSettings(0.5), SETTINGS, n)
    answer = visit_answer(seen[0], TAXONOMY)
    assert isinstance(answer, Prediction) and answer.taxon.name == "Ursus arctos"


def test_label_follows_the_box() -> None:
    tracks, seen, n = update_tracks([], [Observation(Detection(LEFT, 0.9), BEAR)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    tracks, seen, n = update_tracks(tracks, [Observation(Detection(LEFT_MOVED, 0.8), BEAR)], 0.1, TAXONOMY, DecisionSettings(0.7), SETTINGS, n)
    assert seen[0].shown.box == LEFT_MOVED and seen[0].shown.detector_score == 0.8  # type: ignore[union-attr]


@pytest.mark.parametrize(("a", "b", "value"), [(LEFT, LEFT, 1.0), (LEFT, RIGHT, 0.0), (None, None, 1.0), (LEFT, None, 0.0)])
def test_iou(a: Box | None, b: Box | None, value: float) -> None:
    assert iou(a, b) == pytest.approx(value)


def test_greedy_match_uses_each_track_once() -> None:
    track = update_tracks([], [Observation(Detection(LEFT, 0.9), BEAR)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)[0]
    observations = [Observation(Detection(LEFT_MOVED, 0.9), BEAR), Observation(Detection(LEFT, 0.9), BEAR)]
    assert match(track, observations, 0.3) == {1: 0}  # the better overlap wins; the other starts a new track
    assert key_of(None) == NOT_ANIMAL


def test_settings_are_bounded() -> None:
    with pytest.raises(ValueError):
        SmoothingSettings(half_life=0)


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


def test_a_track_older_than_max_age_is_not_matched_by_the_next_visit() -> None:
    """Replaying real trail-camera frames a minute apart, a person at the spot where a mammal had stood was shown as
    that mammal: the stale track (kept until the next update) still matched, and hysteresis held its label."""
    tracks, _, next_id = update_tracks([], [Observation(Detection(LEFT, 0.9), BEAR)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    later = SETTINGS.max_age + 5.0
    tracks, seen, _ = update_tracks(tracks, [Observation(Detection(LEFT, 0.9), CAR)], later, TAXONOMY, DecisionSettings(0.7), SETTINGS,
                                    next_id)  # fmt: skip
    assert [(t.track_id, t.shown_key) for t in seen] == [(2, NOT_ANIMAL)]
    # Within max_age the same box is the same animal, and the bear's label is held against one contrary frame.
    tracks, _, next_id = update_tracks([], [Observation(Detection(LEFT, 0.9), BEAR)], 0.0, TAXONOMY, DecisionSettings(0.7), SETTINGS, 1)
    _, seen, _ = update_tracks(tracks, [Observation(Detection(LEFT, 0.9), CAR)], 0.5, TAXONOMY, DecisionSettings(0.7), SETTINGS, next_id)
    assert [t.track_id for t in seen] == [1]
