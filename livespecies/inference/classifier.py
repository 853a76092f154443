"""The species classifier stage: image crops → class probabilities.

Probabilities, not a label, leave this stage: the taxonomy roll-up, temporal
smoothing and thresholds are decisions made downstream on the full vector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from livespecies.errors import ModelError
from livespecies.inference.model_file import LoadedModel
from livespecies.inference.preprocess import Image, prepare
from livespecies.inference.taxonomy import Taxonomy

Probabilities = npt.NDArray[np.float32]


def softmax(logits: npt.NDArray[np.float32], temperature: float = 1.0) -> Probabilities:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    result: Probabilities = (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)
    return result


class SpeciesClassifier:
    def __init__(self, model: LoadedModel, max_batch: int = 16) -> None:
        if model.contract.kind != "classifier":
            raise ModelError(f"Model file {model.path} is a {model.contract.kind}, not a classifier.")
        self.model = model
        self.spec = model.contract.input
        self.output = model.contract.output
        self.labels = model.contract.labels
        self.taxonomy = Taxonomy(self.labels, source=str(model.path))
        self.max_batch = max_batch
        self._output_names = [self.output.name]
        self.classify([np.zeros((self.spec.height, self.spec.width, 3), dtype=np.uint8)])  # warm-up, see detector

    @property
    def crop_size(self) -> int:
        """The side a square crop needs before the classifier's own resize: no finer detail survives it."""
        if self.spec.resize == "resize_center_crop":
            return self.spec.resize_size
        return max(self.spec.height, self.spec.width)

    def classify(self, images: Sequence[Image]) -> Probabilities:
        """One probability row per image, in the model's label order."""
        rows: list[Probabilities] = []
        for start in range(0, len(images), self.max_batch):
            batch = np.stack([prepare(image, self.spec) for image in images[start : start + self.max_batch]])
            scores = np.asarray(self.model.session.run(self._output_names, {self.spec.name: batch})[0], dtype=np.float32)
            if self.output.scores == "logits":
                rows.append(softmax(scores, self.output.temperature))
            elif self.output.temperature != 1.0:
                # Temperature scaling of probabilities: softmax(log p / T) is p^(1/T), renormalised.
                rows.append(softmax(np.log(np.maximum(scores, 1e-12)), self.output.temperature))
            else:
                rows.append(scores)
        if not rows:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return np.concatenate(rows)
