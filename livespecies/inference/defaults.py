"""Where the shipped models live, for a source checkout, an editable install or an installed wheel."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DETECTOR_FILE = "megadetector-lite-yolox-tiny.onnx"
# The INT8 copy: twice as fast, and on the project's photos at the live window's 416 px its answers equal the float
# model's (README, "Photo classification"); at 640 px it names one photo fewer and is wrong on two more, so photo
# classification keeps the float model.
INT8_DETECTOR_FILE = "megadetector-lite-yolox-tiny-int8.onnx"
CLASSIFIER_FILE = "imagenet-ensemble-mnv2-lite0.onnx"
# Specialists behind the classifier, each consulted only for crops inside its scope (birds, insects).
SPECIALIST_FILES = ("inat2017-birds-mobilenet-v2.onnx", "inat2017-insects-mobilenet-v2.onnx")


def models_dir() -> Path:
    """``$LIVESPECIES_MODELS``, else ``models/`` beside the package (checkout), else ``<prefix>/share/livespecies/models``."""
    override = os.environ.get("LIVESPECIES_MODELS")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[2] / "models"
    if (checkout / DETECTOR_FILE).exists():
        return checkout
    return Path(sys.prefix) / "share" / "livespecies" / "models"


def default_detector() -> Path:
    return models_dir() / DETECTOR_FILE


def default_live_detector() -> Path:
    """The live window's detector: the INT8 one where it is installed."""
    int8 = models_dir() / INT8_DETECTOR_FILE
    return int8 if int8.exists() else default_detector()


def default_classifier() -> Path:
    return models_dir() / CLASSIFIER_FILE


def default_specialists() -> list[Path]:
    return [models_dir() / name for name in SPECIALIST_FILES]


def resources_dir() -> Path:
    """``resources/`` beside the package (checkout), else ``<prefix>/share/livespecies/resources``."""
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "livespecies" / "resources"


def demo_clip() -> Path:
    return resources_dir() / "demo" / "demo.mp4"
