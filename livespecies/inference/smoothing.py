"""Steady labels on live video: follow each animal across frames, average its probabilities, and
change the shown label only when the new one has held.

The rule, in full:

1. **Tracks.** A detection continues the track whose last box overlaps it most
   (IoU ≥ ``match_iou``); otherwise it starts a new track. Whole-frame answers
   (no box) form one track of their own. A track unseen for ``max_age`` seconds
   is forgotten, so an animal hidden for a moment keeps its history.
2. **Averaging.** A track's decision is made on the mean of its last ``window``
   probability vectors, with the same roll-up, threshold and not-an-animal rules
   as single photos.
3. **Hysteresis.** A new track shows its first decision at once. After that the
   shown label changes only when a different decision has come out of
   ``hold`` consecutive updates; a confidence change under the same label shows
   at once. Moving the threshold (or changing the species list) re-decides immediately.

Everything here is a pure function of its arguments; the tests drive it with tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from livespecies.inference.decision import DecisionSettings, decide_one
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Box, Detection, Observation, Prediction

NOT_ANIMAL = ("", "not an animal")
UNKNOWN = ("", "unknown animal")
Key = tuple[str, str]
Shown = Prediction | Detection | None


@dataclass(frozen=True)
class SmoothingSettings:
    window: int = 5
    hold: int = 3
    match_iou: float = 0.3
    max_age: float = 2.0

    def __post_init__(self) -> None:
        if self.window < 1 or self.hold < 1 or not 0.0 < self.match_iou <= 1.0 or self.max_age < 0:
            raise ValueError(f"invalid smoothing settings: {self}")


@dataclass(frozen=True, eq=False)
class Track:
    track_id: int
    box: Box | None
    detector_score: float | None
    history: tuple[npt.NDArray[np.float32], ...]
    shown: Shown
    pending: Key | None
    pending_count: int
    decision: DecisionSettings
    first_seen: float
    last_seen: float

    @property
    def shown_key(self) -> Key:
        return key_of(self.shown)


def key_of(outcome: Shown) -> Key:
    if isinstance(outcome, Prediction):
        return (outcome.taxon.rank, outcome.taxon.name)
    if isinstance(outcome, Detection):
        return UNKNOWN
    return NOT_ANIMAL


def iou(a: Box | None, b: Box | None) -> float:
    if a is None or b is None:
        return 1.0 if a is None and b is None else 0.0
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def match(tracks: Sequence[Track], observations: Sequence[Observation], min_iou: float) -> dict[int, int]:
    """Observation index → track index, greedily by highest overlap, each used once."""
    pairs = sorted(
        ((iou(t.box, o.detection.box), ti, oi) for ti, t in enumerate(tracks) for oi, o in enumerate(observations)),
        reverse=True,
    )
    used_tracks: set[int] = set()
    assigned: dict[int, int] = {}
    for overlap, ti, oi in pairs:
        if overlap < min_iou:
            break
        if ti in used_tracks or oi in assigned:
            continue
        used_tracks.add(ti)
        assigned[oi] = ti
    return assigned


def _decide(history: Sequence[npt.NDArray[np.float32]], detection: Detection, taxonomy: Taxonomy, decision: DecisionSettings) -> Shown:
    mean = np.mean(np.stack(history), axis=0).astype(np.float32)
    return decide_one(Observation(detection, mean), taxonomy, decision)


def _with_hysteresis(track: Track, decided: Shown, hold: int, decision: DecisionSettings) -> Track:
    new_key = key_of(decided)
    if new_key == track.shown_key or decision != track.decision:
        return replace(track, shown=decided, pending=None, pending_count=0, decision=decision)
    count = track.pending_count + 1 if new_key == track.pending else 1
    if count >= hold:
        return replace(track, shown=decided, pending=None, pending_count=0)
    return replace(track, pending=new_key, pending_count=count)


def update_tracks(
    tracks: Sequence[Track],
    observations: Sequence[Observation],
    now: float,
    taxonomy: Taxonomy,
    decision: DecisionSettings,
    settings: SmoothingSettings,
    next_id: int,
) -> tuple[list[Track], list[Track], int]:
    """Fold one frame's observations into the tracks, deciding with every rule a single photo gets
    (threshold, not-an-animal mass, site species list).

    Returns (all live tracks, the tracks seen in this frame, the next free track id).
    """
    assigned = match(tracks, observations, settings.match_iou)
    updated: dict[int, Track] = {}
    seen: list[Track] = []
    for oi, observation in enumerate(observations):
        detection = observation.detection
        if oi in assigned:
            old = tracks[assigned[oi]]
            history = (*old.history, observation.probabilities)[-settings.window :]
            decided = _decide(history, detection, taxonomy, decision)
            moved = replace(old, box=detection.box, detector_score=detection.score, history=history, last_seen=now)
            track = _with_hysteresis(moved, _relocated(decided, detection), settings.hold, decision)
            track = replace(track, shown=_relocated(track.shown, detection))
            updated[assigned[oi]] = track
        else:
            history = (observation.probabilities,)
            decided = _decide(history, detection, taxonomy, decision)
            track = Track(next_id, detection.box, detection.score, history, decided, None, 0, decision, now, now)
            next_id += 1
        seen.append(track)
    alive = list(seen)
    for index, old in enumerate(tracks):
        if index not in updated and now - old.last_seen <= settings.max_age:
            alive.append(old)
    return alive, seen, next_id


def _relocated(shown: Shown, detection: Detection) -> Shown:
    """A held label follows the animal: it is drawn at this frame's box, with this frame's detector score."""
    if isinstance(shown, Prediction):
        return replace(shown, box=detection.box, detector_score=detection.score)
    if isinstance(shown, Detection):
        return detection
    return None
