"""One station, Qt-free: the demo clip through capture, gate, pipeline and sightings, with one statistics object."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from livespecies.capture.source_spec import SourceSpec
from livespecies.capture.sources import VideoCaptureSource
from livespecies.errors import UserError
from livespecies.pipeline import LivePipeline, LiveResult
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.service import SightingsService
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.station import Station
from livespecies.types import Frame


class EveryOther:
    """A gate that lets every second frame pass without the models."""

    def __init__(self) -> None:
        self.calls = 0

    def should_infer(self, pixels: Any, timestamp: float) -> bool:
        self.calls += 1
        return self.calls % 2 == 1


def make_station(recognizer: Any, demo_clip: Path, tmp_path: Path, errors: list[str], gate: Any = None) -> Station:
    service = SightingsService("demo", Recorder(errors.append), [], lambda: tmp_path, lambda: True, lambda: recognizer.model_ids, max_evidence=50)
    spec = SourceSpec("video", str(demo_clip))  # as the window plays a clip: in real time, looping
    return Station("demo", lambda: VideoCaptureSource(spec, loop=True), LivePipeline(recognizer), service, lambda: 0.7, gate=gate)


def test_a_station_steps_frames_through_gate_models_and_sightings(recognizer: Any, demo_clip: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    gate = EveryOther()
    station = make_station(recognizer, demo_clip, tmp_path, errors, gate)
    with pytest.raises(UserError, match="No video yet"):
        station.snapshot(0.7, 0.0, lambda files: None)
    h, w = 240, 320
    for seq in range(1, 7):
        station.slot.put(Frame(seq * 2, float(seq), 0.0, np.full((h, w, 3), 40 * seq, np.uint8)))  # every other number: one skipped
        frame = station.take_new_frame()
        assert frame is not None and frame.seq == seq * 2
        step = station.step(frame)
        assert (step.live is None) == (seq % 2 == 0)  # the gate let the even ones pass without the models
    stats = station.stats
    # Every frame that came counts in; a jump in the numbers is frames the models never saw.
    assert (stats.processed, stats.skipped_static, stats.frames_in, stats.skipped_busy) == (3, 3, 6, 5)
    assert stats.latency.median() is not None and station.latest is not None and station.latest.frame.seq == 10
    assert station._taken(Frame(10, 9.0, 0.0, np.zeros((h, w, 3), np.uint8))) is None  # a frame already seen is not taken again
    with pytest.raises(UserError, match="no longer kept"):
        station.teach(999, None, tmp_path / "examples", lambda label: None)
    assert station.service is not None
    still_open = len(station.service.open_visits)
    assert len(station.close()) == still_open and station.service.open_visits == {}  # close ends every open sighting
    station.service.recorder.close()
    assert errors == []


def test_a_station_runs_its_own_loop_on_a_real_clip_and_snapshots_the_newest_result(recognizer: Any, demo_clip: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    station = make_station(recognizer, demo_clip, tmp_path, errors)
    results: list[LiveResult] = []
    got = threading.Event()

    def publish(live: LiveResult) -> None:
        results.append(live)
        station.record(live)
        if len(results) >= 3:
            got.set()

    stop = threading.Event()
    worker = threading.Thread(target=station.run, args=(publish, stop, errors.append))
    station.start()
    worker.start()
    try:
        assert got.wait(120), f"no results from the demo clip: {station.stats.state} {errors} {station.last_seq}"
        saved: list[SnapshotFiles] = []
        done = threading.Event()
        station.snapshot(0.7, 0.0, lambda files: (saved.append(files), done.set()))
        assert done.wait(60) and saved[0].annotated.is_file()
    finally:
        stop.set()
        assert station.stop(30)
        worker.join(30)
    assert station.stats.processed >= 3 and station.stats.frames_in >= station.stats.processed
    station.close()
    assert station.service is not None
    station.service.recorder.close()
    assert errors == [] and not worker.is_alive()
