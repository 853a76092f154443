"""What the live overlay shows on real trail-camera sequences, frame by frame, against the truth.

A camera-trap set whose ``truth.csv`` has a ``sequence`` column is replayed through ``LivePipeline`` (the live
window's tracking, time-weighted smoothing and hysteresis), sequence after sequence in file order, one frame every
``1 / rate`` seconds, with a minute between sequences so no track outlives its animal. Each frame's first shown
label is graded like a photo (``evaluate_default.grade``); the figure that matters is the share of the frames
showing a label whose label is false (another animal, or an animal on an empty or human frame), beside the same
share for the single-frame answers, each frame decided alone. The models run once per frame; every replay reuses
their answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np
import numpy.typing as npt

from livespecies.inference.decision import decide
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.taxonomy import Taxonomy
from livespecies.pipeline import LivePipeline
from livespecies.types import Frame, Observation, Result
from training.evaluate_default import Observed, Truth, grade, observations_of

SEQUENCE_GAP = 60.0  # seconds between two sequences: longer than any track lives unseen
FALSE = ("wrong", "false_animal")


@dataclass(frozen=True)
class ReplayScore:
    frames: int
    labelled: int  # frames whose overlay (or single-frame answer) shows a label
    false: int  # of those, frames whose first label is false

    @property
    def false_share(self) -> float:
        return self.false / self.labelled if self.labelled else 0.0

    def __str__(self) -> str:
        return f"{self.false} false of {self.labelled} labelled frames ({self.false_share:.1%}; {self.frames} frames)"


class _Remembered:
    """The recognizer's settings and taxonomy with each frame's cached model answers: what ``LivePipeline`` asks for."""

    def __init__(self, recognizer: Recognizer, observations: dict[int, tuple[str, list[Observation]]]) -> None:
        self.settings: EngineSettings = recognizer.settings
        self.taxonomy: Taxonomy = recognizer.taxonomy
        self._observations = observations

    def observe(self, pixels: npt.NDArray[np.uint8]) -> tuple[str, list[Observation]]:
        return self._observations[id(pixels)]


def _score(outcomes: Sequence[tuple[Result, Truth]], taxonomy: Taxonomy) -> ReplayScore:
    labelled = [(r, t) for r, t in outcomes if r.predictions]
    return ReplayScore(len(outcomes), len(labelled), sum(grade(r, t, taxonomy) in FALSE for r, t in labelled))


def replay(recognizer: Recognizer, truths: Sequence[Truth], observed: Sequence[Observed], rate: float) -> tuple[ReplayScore, ReplayScore]:
    """(live overlay, single frames) at ``rate`` frames per second, over the sequences of ``truths``."""
    order = sorted(range(len(truths)), key=lambda i: (truths[i].sequence or truths[i].path, truths[i].path))
    # A stand-in image per frame (no pixels: the answers are cached), kept alive so that its id stays its own.
    stand_ins = [np.broadcast_to(np.zeros(1, dtype=np.uint8), (item.height, item.width, 3)) for item in observed]
    cached = {id(stand_ins[i]): (observed[i].mode, observations_of(recognizer, observed[i])) for i in order}
    pipeline = LivePipeline(_Remembered(recognizer, cached))  # type: ignore[arg-type]
    live: list[tuple[Result, Truth]] = []
    alone: list[tuple[Result, Truth]] = []
    clock = 0.0
    for _, members in groupby(order, key=lambda i: truths[i].sequence or truths[i].path):
        clock += SEQUENCE_GAP
        for i in members:
            clock += 1.0 / rate
            shown = pipeline.process(Frame(i, clock, clock, stand_ins[i]), recognizer.threshold)
            live.append((shown.result, truths[i]))
            mode, observations = cached[id(stand_ins[i])]
            item = observed[i]
            alone.append((decide(observations, recognizer.taxonomy, recognizer.settings.decision, item.width, item.height, mode), truths[i]))
    return _score(live, recognizer.taxonomy), _score(alone, recognizer.taxonomy)
