"""Calibration: how far the model's confidence can be trusted, and temperature scaling to fix it.

Expected calibration error (ECE): the bins of confidence, weighted by how many
predictions fall in each, of |accuracy − mean confidence|. A single temperature
T, fitted on the validation set by minimising the negative log-likelihood of
softmax(logits / T), is written into the exported model's contract; the engine
divides the logits by it, so the threshold slider means what it says.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import torch

# The program's own softmax (re-exported): reports and frame evaluation apply a temperature exactly as the engine does.
from livespecies.inference.classifier import softmax as softmax


def expected_calibration_error(probabilities: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], bins: int = 10) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        chosen = (confidence > low) & (confidence <= high)
        if chosen.any():
            error += chosen.mean() * abs(correct[chosen].mean() - confidence[chosen].mean())
    return float(error)


def reliability(probabilities: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean confidence, accuracy, count) per non-empty bin, for the reliability diagram."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for low, high in itertools.pairwise(edges):
        chosen = (confidence > low) & (confidence <= high)
        if chosen.any():
            rows.append((float(confidence[chosen].mean()), float(correct[chosen].mean()), int(chosen.sum())))
    return rows


def fit_temperature(logits: npt.NDArray[np.float32], labels: npt.NDArray[np.int64]) -> float:
    """The T > 0 minimising validation NLL (optimised as log T, so it stays positive), clipped to [0.05, 20]."""
    if len(labels) == 0:
        return 1.0
    x = torch.from_numpy(np.asarray(logits, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    log_t = torch.zeros(1, requires_grad=True)
    optimiser = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(np.clip(log_t.exp().item(), 0.05, 20.0))
