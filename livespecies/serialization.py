"""Predictions, detections and taxa as dicts and back: the one place that knows their JSON shapes.

Each shape has its readers, and none may change without them:

    public    prediction_to_dict / prediction_from_dict, detection_to_dict / detection_from_dict:
              rounded to 4 places, with the label and names a person reads. Classify's records, snapshot
              sidecars and the sightings log are written in it; the MegaDetector export reads the sidecars back.
    lossless  prediction_to_lossless / prediction_from_lossless, detection_to_lossless / detection_from_lossless:
              every float as computed and each taxon whole, as [rank, name, common_name, scientific]. The classify
              checkpoint (batch/checkpoint.py), so outputs written from it equal a direct run's; a change here
              is a new checkpoint FORMAT.
    taxon     taxon_to_dict: one taxon of a label's lineage as a model contract writes it.
"""

from __future__ import annotations

from typing import Any

from livespecies.types import Box, Detection, Prediction, Taxon


def _round(value: float) -> float:
    return round(float(value), 4)


# ---- public: rounded, for people and other tools -----------------------------------------------------------------


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


def prediction_from_dict(d: dict[str, Any]) -> Prediction:
    """The inverse of ``prediction_to_dict``. The dict keeps which lineage names are scientific only as the
    prediction's ``scientific_name`` (its first scientific taxon): that taxon and those above it are marked
    scientific, those below it common names, which is all a prediction's own properties read."""
    scientific = d["scientific_name"]
    taxa: list[Taxon] = []
    above = False
    for index, entry in enumerate(d["lineage"]):
        above = above or (scientific is not None and entry["name"] == scientific)
        taxa.append(Taxon(entry["rank"], entry["name"], d["common_name"] if index == 0 else None, above))
    if not taxa:
        taxa = [Taxon(d["rank"], scientific or d["label"], d["common_name"], scientific is not None)]
    box = Box(*d["box"]) if d["box"] else None
    return Prediction(taxa[0], float(d["confidence"]), tuple(taxa), box, d["detector_confidence"], tuple(d["models"]))


def detection_to_dict(detection: Detection) -> dict[str, Any]:
    return {
        "box": [_round(v) for v in detection.box.as_list()] if detection.box else None,
        "detector_confidence": _round(detection.score) if detection.score is not None else None,
    }


def detection_from_dict(d: dict[str, Any]) -> Detection:
    """The inverse of ``detection_to_dict`` (box and score as rounded there)."""
    return Detection(Box(*d["box"]) if d["box"] else None, d["detector_confidence"])


# ---- lossless: the classify checkpoint -------------------------------------------------------------------------


def _taxon_to_row(t: Taxon) -> list[Any]:
    return [t.rank, t.name, t.common_name, t.scientific]


def _box_to_row(box: Box | None) -> list[float] | None:
    return None if box is None else [box.x, box.y, box.w, box.h]


def prediction_to_lossless(p: Prediction) -> dict[str, Any]:
    return {"taxon": _taxon_to_row(p.taxon), "confidence": p.confidence, "lineage": [_taxon_to_row(t) for t in p.lineage],
            "box": _box_to_row(p.box), "detector_score": p.detector_score, "models": list(p.models)}  # fmt: skip


def prediction_from_lossless(p: dict[str, Any]) -> Prediction:
    return Prediction(Taxon(*p["taxon"]), p["confidence"], tuple(Taxon(*t) for t in p["lineage"]), Box(*p["box"]) if p["box"] else None,
                      p["detector_score"], tuple(p["models"]))  # fmt: skip


def detection_to_lossless(d: Detection) -> dict[str, Any]:
    return {"box": _box_to_row(d.box), "score": d.score}


def detection_from_lossless(d: dict[str, Any]) -> Detection:
    return Detection(Box(*d["box"]) if d["box"] else None, d["score"])


# ---- taxon: a model contract's lineage ---------------------------------------------------------------------------


def taxon_to_dict(taxon: Taxon) -> dict[str, Any]:
    """``common_name`` only where there is one: absent, never null (the contract's reader takes it as optional text)."""
    out: dict[str, Any] = {"rank": taxon.rank, "name": taxon.name, "scientific": taxon.scientific}
    if taxon.common_name:
        out["common_name"] = taxon.common_name
    return out
