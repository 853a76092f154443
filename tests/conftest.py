"""Shared fixtures: the real shipped models, the real photos, and small files made on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt never needs a screen in the tests; the Xvfb tests set their own platform explicitly.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "tests" / "data" / "photos"
MODELS = ROOT / "models"


@pytest.fixture(scope="session")
def photos() -> Path:
    return PHOTOS


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return MODELS


@pytest.fixture(scope="session")
def recognizer():  # type: ignore[no-untyped-def]
    """The shipped detector and classifier with the shipped default settings, loaded once."""
    from livespecies.inference.defaults import default_classifier, default_detector
    from livespecies.inference.engine import EngineSettings, Recognizer

    return Recognizer.from_files(default_classifier(), default_detector(), EngineSettings())
