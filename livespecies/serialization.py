"""The JSON shape of predictions and detections, shared by every output: classify's records,
snapshot sidecars and the sightings log."""

from __future__ import annotations

from typing import Any

from livespecies.types import Detection, Prediction


def _round(value: float) -> float:
    return round(float(value), 4)


def prediction_to_dict(prediction: Prediction) -> dict[str, Any]:
    taxon = prediction.taxon
    return {
        "label": prediction.label,
        "common_name": taxon.common_name,
        "scientific_name": prediction.scientific_name,
        "rank": taxon.rank,
        "confidence": _round(prediction.confidence),
        "lineage": [{"rank": t.rank, "name": t.name} for t in prediction.lineage],
        "box": [_round(v) for v in prediction.box.as_list()] if prediction.box else None,
        "detector_confidence": _round(prediction.detector_score) if prediction.detector_score is not None else None,
        "models": list(prediction.models),
    }


def detection_to_dict(detection: Detection) -> dict[str, Any]:
    return {
        "box": [_round(v) for v in detection.box.as_list()] if detection.box else None,
        "detector_confidence": _round(detection.score) if detection.score is not None else None,
    }
