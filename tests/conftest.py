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
    """The shipped float detector, classifier and specialists with the shipped default settings, loaded once.

    The float detector, not the INT8 default: the real-photo expectations (and the open-set rules) were set on its
    boxes; tests/training/test_int8_detector.py holds the INT8 one to them, and defaults.py has both's answers."""
    from livespecies.inference.assembly import assemble, choose
    from livespecies.inference.defaults import default_classifier, default_specialists, float_detector
    from livespecies.inference.engine import EngineSettings

    return assemble(choose(default_classifier(), float_detector(), default_specialists()), EngineSettings())


@pytest.fixture(scope="session")
def demo_clip() -> Path:
    return ROOT / "resources" / "demo" / "demo.mp4"


@pytest.fixture(scope="session")
def rtsp_frames(tmp_path_factory: pytest.TempPathFactory, demo_clip: Path) -> str:
    from tests.servers.rtsp import write_frames

    return write_frames(demo_clip, tmp_path_factory.mktemp("rtsp_frames"))


@pytest.fixture
def rtsp_server(rtsp_frames: str):  # type: ignore[no-untyped-def]
    """A real GStreamer RTSP server on loopback serving real animal frames at 12 fps (a fresh one per test)."""
    from tests.servers.rtsp import RtspServer

    server = RtspServer(rtsp_frames)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_stream():  # type: ignore[no-untyped-def]
    """Start real RTSP servers on loopback (12 fps) for a test's JPEG sequences; all stopped afterwards."""
    from tests.servers.rtsp import RtspServer

    servers: list[RtspServer] = []

    def start(pattern: str) -> RtspServer:
        server = RtspServer(pattern, fps=12)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
