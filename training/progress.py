"""Machine-readable progress for a window that runs training as a subprocess.

With ``LIVESPECIES_PROGRESS=1`` in the environment, ``Progress.step`` prints one
line ``PROGRESS {"fraction": …, "message": …}`` to standard output; otherwise it
does nothing (people read the progress bars on standard error). The fraction is
of the whole run: each phase has a weight, measured on ~1,100 frames on a CPU.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

PREFIX = "PROGRESS "
WEIGHTS = {"views": 4.0, "features": 3.0, "epochs": 1.5}


class Progress:
    def __init__(self, phases: Sequence[str]) -> None:
        """``phases``: the run's phases in order, names from WEIGHTS (a phase may repeat: one per input kind)."""
        self.weights = [WEIGHTS[p] for p in phases]
        self.total = sum(self.weights) or 1.0
        self.phase = 0
        self.enabled = os.environ.get("LIVESPECIES_PROGRESS") == "1"

    def step(self, done: int, total: int, message: str) -> None:
        """Within the current phase, ``done`` of ``total``."""
        if not self.enabled:
            return
        before = sum(self.weights[: self.phase])
        current = self.weights[self.phase] if self.phase < len(self.weights) else 0.0
        fraction = min(1.0, (before + current * done / max(total, 1)) / self.total)
        sys.stdout.write(PREFIX + json.dumps({"fraction": round(fraction, 4), "message": message}) + "\n")
        sys.stdout.flush()

    def next_phase(self) -> None:
        self.phase += 1
