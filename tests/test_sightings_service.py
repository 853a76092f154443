"""The Qt-free sightings service on a real photo: one sighting per animal with one snapshot, replaced (not added to)
by a clearly better frame, records in order to every sink, ends by the monotonic clock, a disk that refuses
snapshots still lets the sighting be recorded, and open sightings' progress is stored every few seconds (bounded
writes at any result rate) so that a killed program's sighting closes at its last sighting."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import cv2
import pytest

from livespecies.pipeline import LiveResult
from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.log import SightingLog
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.records import SightingProgress, SightingRecord
from livespecies.sightings.service import PROGRESS_EVERY, SightingsService, SnapshotState, progress_due, snapshot_due
from livespecies.sightings.visits import Sighting
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


def open_visit(vid: int, started: float, last_seen: float, frames: int) -> Sighting:
    key = ("species", "Ursus maritimus")
    return Sighting(vid, key, "polar bear", started, last_seen, 0.9, frames, (vid,), (key,), 1000.0 + started, 1000.0 + last_seen)


@pytest.mark.parametrize(
    ("visits", "stored", "last_write", "now", "due"),
    [([open_visit(1, 0.0, 1.0, 3)], {}, -float("inf"), 1.0, []),  # just started: its start was recorded a moment ago
     ([open_visit(1, 0.0, 2.0, 5)], {}, -float("inf"), 2.0, [1]),  # old enough, never stored
     ([open_visit(1, 0.0, 3.0, 7)], {1: (1002.0, 5)}, 2.0, 3.0, []),  # the camera wrote 1 s ago: wait
     ([open_visit(1, 0.0, 4.0, 9)], {1: (1002.0, 5)}, 2.0, 4.0, [1]),  # 2 s later, moved on
     ([open_visit(1, 0.0, 2.0, 5)], {1: (1002.0, 5)}, 2.0, 9.0, []),  # unchanged (out of view, not yet ended): no write
     ([open_visit(1, 0.0, 4.0, 9), open_visit(2, 3.0, 4.0, 2)], {1: (1002.0, 5)}, 2.0, 4.0, [1]),  # the young one waits
     ([open_visit(1, 0.0, 6.0, 13), open_visit(2, 3.0, 6.0, 6)], {1: (1004.0, 9)}, 4.0, 6.0, [1, 2])],  # one batch
)  # fmt: skip
def test_progress_due(visits: list[Sighting], stored: dict[int, tuple[float, int]], last_write: float, now: float, due: list[int]) -> None:
    assert [v.visit_id for v in progress_due({v.visit_id: v for v in visits}, stored, last_write, now, every=2.0)] == due


@pytest.mark.parametrize("rate", [10.0, 2.0])  # results per second: a fast camera and a slow, shared one
def test_open_sightings_progress_is_stored_every_few_seconds_at_any_rate(bear_pixels, tmp_path: Path, rate: float) -> None:  # type: ignore[no-untyped-def]
    """30 s of a bear in view, then the program dies without ending it: its row holds its last sighting (within
    PROGRESS_EVERY) and its frames, written in at most one transaction per PROGRESS_EVERY seconds."""
    db, errors = SightingDatabase(tmp_path / "s.db"), []
    service = make_service(tmp_path, [db], errors)
    service.auto_snapshot = lambda: False
    count = int(30 * rate)
    for i in range(count):
        service.observe(result_at(bear_pixels, i + 1, 100.0 + i / rate, 0.9))
    service.recorder.close()  # every queued write done; the visit is still open: no end was recorded
    writes = db.transactions - 1  # the start's record
    [row] = db.query()
    last = result_at(bear_pixels, count, 100.0 + (count - 1) / rate, 0.9).frame.wall_time
    assert row.status == "open" and errors == []
    assert 30 / PROGRESS_EVERY - 2 <= writes <= 30 / PROGRESS_EVERY
    assert last - PROGRESS_EVERY - 1 / rate <= row.last_seen_at <= last
    assert count - (PROGRESS_EVERY + 1 / rate) * rate <= row.frames <= count
    assert db.close_interrupted() == 1
    [closed] = db.query()
    assert closed.status == "interrupted" and closed.ended_at == row.last_seen_at and closed.frames == row.frames
    db.close()


def test_progress_never_reopens_or_moves_back_a_sighting(tmp_path: Path) -> None:
    db = SightingDatabase(tmp_path / "s.db")
    db.record(SightingRecord("open", "north", "started", open_visit(1, 0.0, 0.0, 0), None))
    db.record(SightingRecord("done", "north", "ended", open_visit(2, 0.0, 9.0, 20), None))
    db.record_progress([SightingProgress("open", 1005.0, 10), SightingProgress("done", 1012.0, 30)])
    db.record_progress([SightingProgress("open", 1003.0, 6)])  # an older batch arriving late
    rows = {r.id: r for r in db.query()}
    assert (rows["open"].status, rows["open"].last_seen_at, rows["open"].frames) == ("open", 1005.0, 10)
    assert (rows["done"].status, rows["done"].last_seen_at, rows["done"].ended_at, rows["done"].frames) == ("ended", 1009.0, 1009.0, 20)
    db.close()


class FullDisk(Collecting):
    def record_progress(self, progress: object) -> None:
        raise OSError(28, "No space left on device")


def test_a_failing_progress_write_is_reported_once_not_every_few_seconds(bear_pixels, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sink, errors = FullDisk(), []
    service = make_service(tmp_path, [sink], errors)
    service.auto_snapshot = lambda: False
    for i in range(60):
        service.observe(result_at(bear_pixels, i + 1, 100.0 + i / 2, 0.9))
    service.close()
    service.recorder.close()
    assert [r.kind for r in sink.records] == ["started", "ended"]
    assert len(errors) == 1 and "No space left on device" in errors[0]
