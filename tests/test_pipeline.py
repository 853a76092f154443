"""The Qt-free live loop (a station's ``run``): a failure that repeats on every frame is reported once, not once per frame."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from livespecies.capture.source_spec import SourceSpec
from livespecies.capture.sources import ImageFolderSource
from livespecies.inference.classifier import SpeciesClassifier
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.model_file import load_model
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.station import Station
from livespecies.types import Frame
from tests.tiny_models import contract, write_classifier


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_failure_on_every_frame_is_reported_once_until_it_changes(tmp_path: Path) -> None:
    """Error de-duplication once keyed on the frame number: a camera sending frames the models cannot take
    (here 4-channel BGRA) filled the banner with one message per frame and a set that grew without bound."""
    classifier = SpeciesClassifier(load_model(write_classifier(tmp_path / "m.onnx", metadata=contract(3))))
    pipeline = LivePipeline(Recognizer(classifier, None, EngineSettings(use_detector=False)))
    station = Station("test", lambda: ImageFolderSource(SourceSpec("folder", str(tmp_path))), pipeline, None, lambda: 0.5)  # capture never started
    slot, stop = station.slot, threading.Event()
    errors: list[str] = []
    published: list[LiveResult] = []
    worker = threading.Thread(target=station.run, args=(published.append, stop, errors.append))
    worker.start()
    try:
        seq = 0

        def feed(channels: int) -> None:
            nonlocal seq
            seq += 1
            slot.put(Frame(seq, time.monotonic(), time.time(), np.zeros((32, 48, channels), np.uint8)))
            wait_until(lambda: station.last_seq == seq and (channels == 4 or len(published) > 0))

        for _ in range(6):
            feed(4)
        wait_until(lambda: len(errors) >= 1)
        assert len(errors) == 1 and "Recognition failed on frame 1" in errors[0]
        feed(3)  # the camera recovers: results flow again
        assert len(published) == 1
        feed(4)  # and fails again: that is news, reported again
        wait_until(lambda: len(errors) == 2)
        assert "frame 8" in errors[1]
    finally:
        stop.set()
        slot.close()
        worker.join(timeout=10)
    assert not worker.is_alive()
