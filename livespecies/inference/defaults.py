"""Where the shipped models live, for a source checkout, an editable install or an installed wheel."""

from __future__ import annotations

import functools
import os
import sys
from importlib import metadata
from pathlib import Path

DETECTOR_FILE = "megadetector-lite-yolox-tiny.onnx"
# The INT8 copy: twice as fast, and on the project's photos at the live window's 416 px its answers equal the float
# model's (README, "Photo classification"); at 640 px it names one photo fewer and is wrong on two more, so photo
# classification keeps the float model.
INT8_DETECTOR_FILE = "megadetector-lite-yolox-tiny-int8.onnx"
CLASSIFIER_FILE = "imagenet-ensemble-mnv2-lite0.onnx"
# Specialists behind the classifier, each consulted only for crops inside its scope (birds, insects).
SPECIALIST_FILES = ("inat2017-birds-mobilenet-v2.onnx", "inat2017-insects-mobilenet-v2.onnx")


SHARE = "share/livespecies"  # where the wheel's data files go, below the install scheme's data folder (pyproject.toml)


@functools.cache
def installed_share() -> Path:
    """The ``share/livespecies`` folder that pip wrote from the wheel's data files.

    The scheme decides where that is (a venv's or pipx's prefix, ``~/.local`` for ``pip install --user``, ``/usr``
    for a system package), so ``sys.prefix`` alone would miss a user install: the wheel's RECORD names the files
    relative to site-packages and says where they really went. Without an installed distribution that lists them
    (a bare checkout) it is ``<prefix>/share/livespecies``, which the missing-model message then names."""
    fallback = Path(sys.prefix) / SHARE
    try:
        dist = metadata.distribution("livespecies")
    except metadata.PackageNotFoundError:
        return fallback
    for file in dist.files or []:
        path = file.as_posix()  # e.g. ../../../share/livespecies/models/x.onnx, relative to site-packages
        at = path.find(SHARE + "/")
        if at >= 0:
            return Path(os.path.normpath(str(dist.locate_file(path[: at + len(SHARE)]))))
    return fallback


def models_dir() -> Path:
    """``$LIVESPECIES_MODELS``, else ``models/`` beside the package (checkout), else the installed ``share/livespecies/models``."""
    override = os.environ.get("LIVESPECIES_MODELS")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[2] / "models"
    if (checkout / DETECTOR_FILE).exists():
        return checkout
    return installed_share() / "models"


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
    """``resources/`` beside the package (checkout), else the installed ``share/livespecies/resources``."""
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if (checkout / "watch-example.toml").is_file():
        return checkout
    return installed_share() / "resources"


def example_config() -> Path:
    return resources_dir() / "watch-example.toml"


def app_icon() -> Path:
    return resources_dir() / "icons" / "livespecies.svg"


def demo_clip() -> Path:
    return resources_dir() / "demo" / "demo.mp4"
