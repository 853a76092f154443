"""Right, wrong or abstained, per frame, decided exactly as ``livespecies classify`` decides.

A camera-trap user judges a model by its frames, not its crops: a frame is
*right* when the engine's first answer names its animal (or, on an empty, human
or vehicle frame, when no animal is claimed), *wrong* when it claims another
animal (or any animal on a non-animal frame), *coarser* when it claims a true
but coarser taxon, and *abstained* when it claims nothing on an animal frame.

Every view of a frame goes through the engine's own decision (roll-up,
threshold, not-an-animal mass) and the engine's ordering of answers, so these
figures are what the user will see, and the threshold table in the report is
the trade-off the threshold slider will move along.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from livespecies.inference.contract import LabelSpec
from livespecies.inference.decision import DecisionSettings, decide
from livespecies.inference.engine import DEFAULT_THRESHOLD as ENGINE_DEFAULT_THRESHOLD
from livespecies.inference.taxonomy import Taxonomy
from livespecies.types import Detection, Observation
from training.calibration import softmax

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
# The engine's default for a model that names no threshold of its own (the shipped ones).
DEFAULT_THRESHOLD = ENGINE_DEFAULT_THRESHOLD
TEMPERATURES = tuple(round(0.25 * 1.15**k, 4) for k in range(35))  # 0.25 … ~29
# The operating thresholds a trained model may be given, lowest first (README, "Training on one camera").
OPERATING_THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.95, 0.97)


@dataclass(frozen=True)
class OperatingPoint:
    """Where a trained model works: its temperature, its default threshold, and one sentence saying why."""

    temperature: float
    threshold: float
    why: str


@dataclass(frozen=True)
class FrameScore:
    threshold: float
    frames: int
    right: int
    wrong: int
    coarser: int
    abstained: int

    @property
    def right_rate(self) -> float:
        return self.right / self.frames if self.frames else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.frames if self.frames else 0.0


def frame_outcomes(
    logits: npt.NDArray[np.float32], view_frames: Sequence[int], frame_labels: Sequence[int], specs: Sequence[LabelSpec],
    temperature: float, threshold: float,
) -> list[str]:  # fmt: skip
    """'right', 'wrong', 'coarser' or 'abstained' per frame (frames in ``frame_labels`` order; ``view_frames``
    maps each row of ``logits`` to its frame)."""
    taxonomy = Taxonomy(specs)
    settings = DecisionSettings(threshold=threshold)
    probabilities = softmax(logits, temperature)
    by_frame: dict[int, list[int]] = {}
    for row, frame in enumerate(view_frames):
        by_frame.setdefault(frame, []).append(row)
    outcomes = []
    for frame, label in enumerate(frame_labels):
        observations = [Observation(Detection(None, None), probabilities[row]) for row in by_frame.get(frame, [])]
        result = decide(observations, taxonomy, settings, 1, 1, "evaluation")
        truth = specs[label]
        if not result.predictions:
            outcomes.append("abstained" if truth.organism else "right")
            continue
        if not truth.organism:
            outcomes.append("wrong")
            continue
        claimed = (result.predictions[0].taxon.rank, result.predictions[0].taxon.name)
        keys = [(t.rank, t.name) for t in truth.lineage]
        outcomes.append("right" if claimed == keys[0] else "coarser" if claimed in keys else "wrong")
    return outcomes


def score(logits: npt.NDArray[np.float32], view_frames: Sequence[int], frame_labels: Sequence[int], specs: Sequence[LabelSpec],
          temperature: float, threshold: float) -> FrameScore:  # fmt: skip
    outcomes = frame_outcomes(logits, view_frames, frame_labels, specs, temperature, threshold)
    return FrameScore(threshold, len(outcomes), outcomes.count("right"), outcomes.count("wrong"), outcomes.count("coarser"),
                      outcomes.count("abstained"))  # fmt: skip


def tradeoff(logits: npt.NDArray[np.float32], view_frames: Sequence[int], frame_labels: Sequence[int], specs: Sequence[LabelSpec],
             temperature: float, thresholds: Sequence[float] = THRESHOLDS) -> list[FrameScore]:  # fmt: skip
    return [score(logits, view_frames, frame_labels, specs, temperature, t) for t in thresholds]


def operating_point(
    logits: npt.NDArray[np.float32], view_frames: Sequence[int], frame_labels: Sequence[int], specs: Sequence[LabelSpec],
    fitted: float, max_wrong: float,
) -> OperatingPoint:  # fmt: skip
    """The likelihood-fitted temperature and the lowest of ``OPERATING_THRESHOLDS`` at which at most ``max_wrong`` of
    the validation frames are wrong: the threshold the engine, the slider, ``classify`` and the watcher then use
    for this model unless told otherwise.

    Why the threshold and not the temperature: a temperature raised until the default threshold is safe spreads the
    model's mass, and on a camera's later frames the roll-ups it causes ("unidentified mammal" on a tinamou) became
    the new wrong answers; at the fitted temperature a higher threshold abstains instead (tnc later frames, 3 seeds:
    wrong 12.9 → 7.9 % at equal right). When no threshold is that safe, the highest is kept and the temperature is
    raised as ``operating_temperature`` does.
    """
    if not frame_labels:
        return OperatingPoint(fitted, DEFAULT_THRESHOLD, "no validation frames: the likelihood-fitted temperature and the default threshold are kept")
    scores = [score(logits, view_frames, frame_labels, specs, fitted, t) for t in OPERATING_THRESHOLDS]
    safe = [s for s in scores if s.wrong_rate <= max_wrong]
    if safe:
        chosen = safe[0]
        why = (f"threshold {chosen.threshold:g} at the likelihood-fitted T = {fitted:.2f}: the lowest of "
               f"{', '.join(f'{t:g}' for t in OPERATING_THRESHOLDS)} with at most {max_wrong:.0%} of the validation frames wrong "
               f"({chosen.right_rate:.0%} right, {chosen.wrong_rate:.0%} wrong)")  # fmt: skip
        return OperatingPoint(fitted, chosen.threshold, why)
    highest = OPERATING_THRESHOLDS[-1]
    temperature, why = operating_temperature(logits, view_frames, frame_labels, specs, fitted, max_wrong, highest)
    return OperatingPoint(temperature, highest, f"threshold {highest:g} (no threshold kept the fitted model at or under "
                                                f"{max_wrong:.0%} wrong); {why}")  # fmt: skip


def operating_temperature(
    logits: npt.NDArray[np.float32], view_frames: Sequence[int], frame_labels: Sequence[int], specs: Sequence[LabelSpec],
    fitted: float, max_wrong: float, threshold: float = DEFAULT_THRESHOLD,
) -> tuple[float, str]:  # fmt: skip
    """The temperature that makes ``threshold`` an honest operating point on validation frames.

    Only temperatures at or above the likelihood-fitted ``fitted`` are considered: the fit is the honest
    calibration, and a camera's later frames (new animals, new seasons) only make a model less sure than its
    validation frames, so confidence may be lowered for safety but never raised. Among those whose wrong rate at
    ``threshold`` is at most ``max_wrong``, the one with the most right frames (the closest to ``fitted``
    on a tie); when none is that safe, the one with the fewest wrong frames. Returns it and one sentence saying
    why, for the report.
    """
    if not frame_labels:
        return fitted, "no validation frames: the likelihood-fitted temperature is kept"
    candidates = sorted({fitted, *(t for t in TEMPERATURES if t > fitted)}, key=lambda t: abs(math.log(t / fitted)))
    scores = [(t, score(logits, view_frames, frame_labels, specs, t, threshold)) for t in candidates]
    safe = [(t, s) for t, s in scores if s.wrong_rate <= max_wrong]
    fitted_score = scores[0][1]
    if safe:
        best_t, best = max(safe, key=lambda item: item[1].right)  # max keeps the first (closest to fitted) on ties
        why = (f"T = {best_t:.2f}: the most right validation frames ({best.right_rate:.0%}) with at most {max_wrong:.0%} wrong "
               f"({best.wrong_rate:.0%}) at threshold {threshold:g}; the likelihood fit T = {fitted:.2f} gave "
               f"{fitted_score.right_rate:.0%} right, {fitted_score.wrong_rate:.0%} wrong")  # fmt: skip
        return best_t, why
    best_t, best = min(scores, key=lambda item: (item[1].wrong, -item[1].right))
    why = (f"T = {best_t:.2f}: no temperature kept validation frames at or under {max_wrong:.0%} wrong at threshold "
           f"{threshold:g}; this one has the fewest ({best.wrong_rate:.0%} wrong, {best.right_rate:.0%} right)")  # fmt: skip
    return best_t, why
