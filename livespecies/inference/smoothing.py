"""Steady labels on live video that never carry one animal's name onto the next.

The rule, in full:

1. **Tracks follow one animal.** A detection continues the track whose box it
   overlaps most (IoU ≥ ``match_iou``) *unless its own answer clearly rules the
   track's animal out*: it claims a taxon off the shown one's lineage and leaves
   the shown taxon no more probability than ``1 − threshold`` (a hen where a
   polar bear stood). Then it starts a new track, which shows its own answer at
   once. Whole-frame answers (no box) follow the same rule. A track unseen for
   ``max_age`` seconds is forgotten.
2. **Averaging runs on time.** A track's probabilities are an exponentially
   weighted mean whose weights halve every ``half_life`` seconds, so the same
   animal gets the same smoothing at 2 and at 15 results per second.
3. **Hysteresis runs on time.** A refinement or coarsening within one lineage
   ("mammal" → "red panda") shows at once; a change to a taxon off the shown
   one's lineage, or to "unknown" or nothing, shows only once it has held for
   ``hold`` seconds. Moving the threshold (or changing the species list)
   re-decides at once.

Decisions use every rule a single photo gets (roll-up, threshold, not-an-animal
mass, site list). Everything here is a pure function of its arguments; the
tests drive it with tables.
"""

from __future__ import annotations

import math
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
Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SmoothingSettings:
    half_life: float = 0.5  # seconds for an older result's weight in the mean to halve
    hold: float = 0.75  # seconds a change off the shown lineage must persist before it is shown
    match_iou: float = 0.3
    max_age: float = 2.0  # seconds a track survives unseen

    def __post_init__(self) -> None:
        if self.half_life <= 0 or self.hold < 0 or not 0.0 < self.match_iou <= 1.0 or self.max_age < 0:
            raise ValueError(f"invalid smoothing settings: {self}")


@dataclass(frozen=True, eq=False)
class Track:
    track_id: int
    box: Box | None
    detector_score: float | None
    mean: Vector  # time-weighted mean of the probability vectors
    shown: Shown
    pending: Key | None  # a different answer waiting to be shown
    pending_since: float
    decision: DecisionSettings
    first_seen: float
    last_seen: float
    total: Vector  # sum of every probability vector of the track: the evidence of the whole visit
    updates: int

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


def same_lineage(a: Shown, b: Shown) -> bool:
    """Both name taxa on one line of descent (the same animal told at different ranks)."""
    if not isinstance(a, Prediction) or not isinstance(b, Prediction):
        return False
    ka, kb = key_of(a), key_of(b)
    return ka in [(t.rank, t.name) for t in b.lineage] or kb in [(t.rank, t.name) for t in a.lineage]


def rules_out(own: Shown, probabilities: Vector, track: Track, taxonomy: Taxonomy) -> bool:
    """The observation's own answer is another animal than the track shows, clearly: a taxon off the shown
    lineage, and at most ``1 − threshold`` of its probability left on the shown taxon."""
    shown = track.shown
    if not isinstance(own, Prediction) or not isinstance(shown, Prediction) or same_lineage(own, shown):
        return False
    node = taxonomy.node(shown.taxon.rank, shown.taxon.name)
    left = float(taxonomy.masses(probabilities)[node]) if node is not None else 0.0
    return left <= 1.0 - track.decision.threshold


def match(tracks: Sequence[Track], observations: Sequence[Observation], min_iou: float,
          allowed: set[tuple[int, int]] | None = None) -> dict[int, int]:  # fmt: skip
    """Observation index → track index, greedily by highest overlap, each used once; ``allowed`` (track, observation)
    pairs only, when given."""
    pairs = sorted(
        ((iou(t.box, o.detection.box), ti, oi) for ti, t in enumerate(tracks) for oi, o in enumerate(observations)
         if allowed is None or (ti, oi) in allowed),
        reverse=True,
    )  # fmt: skip
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


def _decide(mean: Vector, detection: Detection, taxonomy: Taxonomy, decision: DecisionSettings) -> Shown:
    return decide_one(Observation(detection, mean), taxonomy, decision)


def _with_hysteresis(track: Track, decided: Shown, now: float, hold: float, decision: DecisionSettings) -> Track:
    new_key = key_of(decided)
    if new_key == track.shown_key or decision != track.decision or same_lineage(decided, track.shown):
        return replace(track, shown=decided, pending=None, pending_since=now, decision=decision)
    if isinstance(decided, Prediction) and isinstance(track.shown, Detection):
        return replace(track, shown=decided, pending=None, pending_since=now)  # unknown → named: more, not other
    if new_key != track.pending:
        return replace(track, pending=new_key, pending_since=now)
    if now - track.pending_since >= hold:
        return replace(track, shown=decided, pending=None, pending_since=now)
    return track


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
    # A track unseen for longer than max_age is gone before matching: otherwise the next animal at the same spot, a
    # visit later, would inherit its label through the hysteresis (a person shown as the previous visit's mammal).
    tracks = [t for t in tracks if now - t.last_seen <= settings.max_age]
    own = [decide_one(o, taxonomy, decision) for o in observations]
    allowed = {(ti, oi) for ti, t in enumerate(tracks) for oi, o in enumerate(observations)
               if not rules_out(own[oi], o.probabilities, t, taxonomy)}  # fmt: skip
    assigned = match(tracks, observations, settings.match_iou, allowed)
    updated: set[int] = set()
    seen: list[Track] = []
    for oi, observation in enumerate(observations):
        detection = observation.detection
        p = observation.probabilities
        if oi in assigned:
            old = tracks[assigned[oi]]
            keep = math.exp(-math.log(2) * max(0.0, now - old.last_seen) / settings.half_life)
            mean = (keep * old.mean + (1 - keep) * p).astype(np.float32)
            moved = replace(old, box=detection.box, detector_score=detection.score, mean=mean, last_seen=now,
                            total=old.total + p, updates=old.updates + 1)  # fmt: skip
            track = _with_hysteresis(moved, _relocated(_decide(mean, detection, taxonomy, decision), detection), now, settings.hold,
                                     decision)  # fmt: skip
            track = replace(track, shown=_relocated(track.shown, detection))
            updated.add(assigned[oi])
        else:
            track = Track(next_id, detection.box, detection.score, p.copy(), own[oi], None, now, decision, now, now, p.copy(), 1)
            next_id += 1
        seen.append(track)
    alive = list(seen)
    for index, old in enumerate(tracks):
        if index not in updated and now - old.last_seen <= settings.max_age:
            alive.append(old)
    return alive, seen, next_id


def visit_answer(track: Track, taxonomy: Taxonomy) -> Shown:
    """The most specific answer the whole visit's evidence supports (its mean over every update)."""
    mean = (track.total / max(track.updates, 1)).astype(np.float32)
    return _relocated(_decide(mean, Detection(track.box, track.detector_score), taxonomy, track.decision),
                      Detection(track.box, track.detector_score))  # fmt: skip


def moved_to(track: Track, box: Box) -> Track:
    """The same track, its box and shown label moved to ``box`` (followed by optical flow): no new evidence."""
    detection = Detection(box, track.detector_score)
    return replace(track, box=box, shown=_relocated(track.shown, detection))


def _relocated(shown: Shown, detection: Detection) -> Shown:
    """A held label follows the animal: it is drawn at this frame's box, with this frame's detector score."""
    if isinstance(shown, Prediction):
        return replace(shown, box=detection.box, detector_score=detection.score)
    if isinstance(shown, Detection):
        return detection
    return None
