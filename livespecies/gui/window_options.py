"""What the window starts with: its models (or why there are none), the cameras found, the demo clip and the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from livespecies.capture.reader import ReconnectPolicy
from livespecies.inference.engine import Recognizer


@dataclass(frozen=True)
class WindowOptions:
    recognizer: Recognizer | None
    model_error: str | None
    demo_clip: Path | None
    cameras: tuple[int, ...]
    default_snapshot_folder: Path
    threshold: float
    policy: ReconnectPolicy | None = None
    # The threshold was asked for (--threshold) or is the classifier's own (a trained model names one): it starts
    # the slider instead of the last session's position.
    threshold_wins: bool = False
