"""The rules of MegaDetector batch output (format 1.3 and later) that Timelapse and AddaxAI rely on, as the format's
own validator (``megadetector/postprocessing/validate_batch_results.py``) and description state them."""

from __future__ import annotations

from typing import Any


def assert_valid_batch_output(document: dict[str, Any]) -> None:
    assert float(document["info"]["format_version"]) >= 1.3
    detection_names = document["detection_categories"]
    classification_names = document.get("classification_categories", {})
    assert all(int(key) >= 0 and name for key, name in detection_names.items())
    for image in document["images"]:
        if image.get("failure") is not None:
            assert isinstance(image["failure"], str) and image["detections"] is None, image  # null, never [], for a failure
            continue
        for detection in image["detections"]:
            assert detection["category"] in detection_names, detection
            assert isinstance(detection["conf"], float) and 0.0 <= detection["conf"] <= 1.0, detection
            x, y, w, h = detection["bbox"]
            assert 0.0 <= x and 0.0 <= y and w > 0 and h > 0 and x + w <= 1.0 + 1e-6 and y + h <= 1.0 + 1e-6, detection
            classifications = detection.get("classifications") or []
            assert all(category in classification_names for category, _ in classifications), detection
            confidences = [confidence for _, confidence in classifications]
            assert confidences == sorted(confidences, reverse=True), detection  # "in descending order by confidence"
