"""One output record per input image, and its JSON shape (shared by every output format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livespecies.types import Prediction, Result


@dataclass(frozen=True)
class ImageRecord:
    path: Path
    result: Result | None
    error: str | None

    @property
    def failed(self) -> bool:
        return self.error is not None


def _round(value: float) -> float:
    return round(float(value), 4)


def prediction_to_dict(prediction: Prediction) -> dict[str, Any]:
    taxon = prediction.taxon
    return {
        "label": prediction.label,
        "common_name": taxon.common_name,
        "scientific_name": taxon.scientific_name,
        "rank": taxon.rank,
        "confidence": _round(prediction.confidence),
        "lineage": [{"rank": t.rank, "name": t.name} for t in prediction.lineage],
        "box": [_round(v) for v in prediction.box.as_list()] if prediction.box else None,
        "detector_confidence": _round(prediction.detector_score) if prediction.detector_score is not None else None,
    }


def record_to_dict(record: ImageRecord) -> dict[str, Any]:
    """The ``--json`` line for one image (documented in the README)."""
    result = record.result
    return {
        "path": str(record.path),
        "width": result.width if result else None,
        "height": result.height if result else None,
        "predictions": [prediction_to_dict(p) for p in result.predictions] if result else [],
        "mode": result.mode if result else None,
        "error": record.error,
    }
