"""The Qt-free sightings service on a real photo: one sighting per animal with one snapshot, replaced (not added to)
by a clearly better frame, records in order to every sink, ends by the monotonic clock, and a disk that refuses
snapshots still lets the sighting be recorded."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import cv2
import pytest

from livespecies.pipeline import LiveResult
from livespecies.sightings.log import SightingLog
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.service import SightingsService, SnapshotState, snapshot_due
from livespecies.types import Box, Frame, Prediction, Result, Taxon

BEAR = Taxon("species", "Ursus maritimus", "polar bear")
LINEAGE = (BEAR, Taxon("genus", "Ursus"), Taxon("class", "Mammalia", "mammal"), Taxon("kingdom", "Animalia", "animal"))


class Collecting:
    def __init__(self) -> None:
        self.records: list[SightingRecord] = []

    def record(self, record: SightingRecord) -> None:
        self.records.append(record)

    def close(self) -> None:
        pass


class Failing:
    def record(self, record: SightingRecord) -> None:
        raise OSError(28, "No space left on device")

    def close(self) -> None:
        pass


@pytest.fixture
def bear_pixels(photos: Path):  # type: ignore[no-untyped-def]
    return cv2.imread(str(photos / "animals/explore_world_animals-polar_bear.webp"))


def result_at(pixels, seq: int, monotonic: float, confidence: float, track: int = 1) -> LiveResult:  # type: ignore[no-untyped-def]
    h, w = pixels.shape[:2]
    prediction = Prediction(BEAR, confidence, LINEAGE, Box(0.2, 0.3, 0.4, 0.4), 0.8)
    frame = Frame(seq, monotonic, 1_790_000_000.0 + monotonic, pixels)
    return LiveResult(frame, Result(w, h, (prediction,)), (track,), monotonic, monotonic, 0.7, (prediction,))


def make_service(folder: Path, sinks: list, errors: list[str]) -> SightingsService:  # type: ignore[type-arg]
    return SightingsService("trail cam 1", Recorder(errors.append), sinks, lambda: folder, lambda: True, lambda: {"classifier": "m1"},
                            gone_after=20.0)  # fmt: skip


def test_one_animal_is_one_sighting_with_one_snapshot_replaced_by_a_better_frame(bear_pixels, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sink, errors = Collecting(), []
    folder = tmp_path / "snaps"
    service = make_service(folder, [sink, SightingLog(folder / "sightings.jsonl")], errors)
    service.observe(result_at(bear_pixels, 1, 100.0, 0.75))
    service.recorder.submit(lambda: None).result(30)  # the first snapshot is written before the next frames come
    for i, confidence in enumerate([0.78, 0.8, 0.95, 0.96, 0.9], start=2):
        service.observe(result_at(bear_pixels, i, 100.0 + i, confidence))
    service.recorder.submit(lambda: None).result(30)
    ended = service.observe(_empty(bear_pixels, 130.0))  # 26 s without the bear: its visit ends
    service.recorder.close()
    assert [e.kind for e in ended] == ["ended"] and errors == []
    assert [r.kind for r in sink.records] == ["started", "snapshot", "ended"]  # 0.95 ≥ 0.75 + 0.1 replaced it; 0.96 did not
    assert len({r.sighting_id for r in sink.records}) == 1 and all(r.camera == "trail cam 1" for r in sink.records)
    jpegs = sorted(p.name for p in folder.glob("*.jpg") if not p.name.endswith(".raw.jpg"))
    assert len(jpegs) == 1 and jpegs[0].endswith("_polar-bear.jpg")  # the first snapshot's files were deleted
    assert sink.records[-1].snapshot is not None and sink.records[-1].snapshot.annotated.name == jpegs[0]
    assert json.loads(sink.records[-1].snapshot.sidecar.read_text())["source"] == "trail cam 1"
    lines = [json.loads(line) for line in (folder / "sightings.jsonl").read_text().splitlines()]
    assert [line["event"] for line in lines] == ["started", "snapshot", "ended"] and lines[-1]["snapshot"].endswith(jpegs[0])


def _empty(pixels, monotonic: float) -> LiveResult:  # type: ignore[no-untyped-def]
    h, w = pixels.shape[:2]
    frame = Frame(1000, monotonic, 1_790_000_000.0 + monotonic, pixels)
    return LiveResult(frame, Result(w, h, ()), (), monotonic, monotonic, 0.7, ())


def test_visits_end_by_the_monotonic_clock_not_the_wall_clock(bear_pixels, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sink, errors = Collecting(), []
    service = make_service(tmp_path, [sink], errors)
    service.observe(result_at(bear_pixels, 1, 100.0, 0.9))
    late = result_at(bear_pixels, 2, 105.0, 0.9)
    jumped = LiveResult(Frame(2, 105.0, late.frame.wall_time + 3600, bear_pixels), late.result, late.track_ids, 105.0, 105.0, 0.7,
                        late.visit_answers)  # fmt: skip
    assert service.observe(jumped) == []  # the wall clock jumped an hour (NTP, DST): the visit goes on
    service.recorder.close()
    assert [r.kind for r in sink.records] == ["started"] and errors == []


def test_a_failing_sink_does_not_stop_the_others(bear_pixels, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sink, errors = Collecting(), []
    service = make_service(tmp_path, [Failing(), sink], errors)
    service.observe(result_at(bear_pixels, 1, 100.0, 0.9))
    service.close()
    service.recorder.close()
    assert [r.kind for r in sink.records] == ["started", "ended"]
    assert errors and all("No space left on device" in e for e in errors)


def test_a_read_only_folder_stops_snapshots_but_the_sighting_is_recorded(bear_pixels, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "ro"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a read-only filesystem needs root: {done.stderr.strip()}")
    try:
        sink, errors = Collecting(), []
        service = make_service(folder, [sink], errors)
        service.observe(result_at(bear_pixels, 1, 100.0, 0.8))
        service.observe(result_at(bear_pixels, 2, 101.0, 0.99))  # better, but the disk still refuses: no retry storm
        service.close()
        service.recorder.close()
        assert [r.kind for r in sink.records] == ["started", "ended"] and all(r.snapshot is None for r in sink.records)
        assert len(errors) == 1 and "Read-only file system" in errors[0]
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize(
    ("state", "confidence", "key", "due"),
    [(None, 0.9, ("species", "x"), False),  # no auto snapshot for this sighting
     (SnapshotState(None, 0.5, ("species", "x")), 0.9, ("species", "x"), False),  # the first is still being written
     ("files", 0.59, ("species", "x"), False), ("files", 0.6, ("species", "x"), True),  # 0.1 better
     ("files", 0.3, ("genus", "X"), True),  # renamed: the snapshot must carry the new name
     ("files", 0.0, ("genus", "X"), False)],  # the animal is not in this frame
)  # fmt: skip
def test_snapshot_due(state, confidence: float, key: tuple[str, str], due: bool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from livespecies.sightings.snapshots import SnapshotFiles

    if state == "files":
        state = SnapshotState(SnapshotFiles(tmp_path / "a.jpg", tmp_path / "a.raw.jpg", tmp_path / "a.json"), 0.5, ("species", "x"))
    assert snapshot_due(state, confidence, key) is due


def test_service_threads_end(tmp_path: Path) -> None:
    before = threading.active_count()
    service = make_service(tmp_path, [Collecting()], [])
    service.recorder.submit(lambda: None).result(10)
    service.recorder.close()
    assert threading.active_count() <= before
