"""Where the shipped models live, for a source checkout, an editable install or an installed wheel."""

from __future__ import annotations

import functools
import os
import sys
from importlib import metadata
from pathlib import Path

DETECTOR_FILE = "megadetector-lite-yolox-tiny.onnx"  # the float model, the INT8 one's source; --detector still picks it
# The INT8 copy: twice as fast, and the default detector everywhere (classify, the watcher, the window) where it is
# installed. Measured with `classify --json` at 640 px against the float model, graded as `python -m training
# evaluate-default` grades (the same counts from both), nothing tuned on these sets:
#   1,275 real camera-trap frames (training.camera_trap_sets, tnc): 946 animal frames, informative 14 against float's
#     16 (1.5 % / 1.7 %), wrong 51 against 53, any animal claimed 265 against 257; 329 blank frames, an animal claimed
#     on 0 against 1;
#   the project's 71 photos (tests/data/photos): informative 26 against 27, wrong 4 against 3 (fish18 no longer named,
#     fish6 wrong instead of class rank), blank 0 and 0; resources/samples: the same top answer on all 8.
# At the live window's 416 px its answers on the project's photos equal the float model's (README, "Photo classification").
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


def float_detector() -> Path:
    """The float detector file (the INT8 one's source, and the reference it is measured against)."""
    return models_dir() / DETECTOR_FILE


def default_detector() -> Path:
    """The detector of ``classify``, the watcher and the window: the INT8 one where it is installed (figures above)."""
    int8 = models_dir() / INT8_DETECTOR_FILE
    return int8 if int8.exists() else float_detector()


def default_live_detector() -> Path:
    """The live window's detector: the default one (it was INT8 before ``classify`` and the watcher followed)."""
    return default_detector()


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
