"""The real recognizer with each frame's model answers kept, for replays of one clip many times over."""

from __future__ import annotations

from livespecies.inference.decision import decide
from livespecies.inference.engine import Recognizer


class Remembering:
    """The real recognizer, with each frame's model answers kept: replaying a clip again (or its loops) runs the
    models once per frame. Frames are known by their pixel arrays, which a replay reuses."""

    def __init__(self, recognizer: Recognizer) -> None:
        self.inner = recognizer
        self.settings = recognizer.settings
        self.threshold = recognizer.threshold
        self.taxonomy = recognizer.taxonomy
        self.detector = recognizer.detector
        self._observed: dict[int, object] = {}

    def observe(self, pixels):  # type: ignore[no-untyped-def]
        key = id(pixels)
        if key not in self._observed:
            self._observed[key] = self.inner.observe(pixels)
        return self._observed[key]

    def recognize(self, pixels):  # type: ignore[no-untyped-def]
        """The frame alone, decided from the same model answers (the engine's recognize() is observe + decide)."""
        mode, observations = self.observe(pixels)
        return decide(observations, self.taxonomy, self.settings.decision, pixels.shape[1], pixels.shape[0], mode)
