"""Sightings: the visit start/end rule from a table, snapshots on disk, and the log."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.sightings.log import SightingLog
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.snapshots import SnapshotError, SnapshotFiles, save_snapshot, slug, snapshot_stem
from livespecies.sightings.visits import NamedTrack, update_visits
from livespecies.types import Box, Frame, Prediction, Result, Taxon
from tests.filesystems import mounted_tmpfs

ANIMAL = ("kingdom", "Animalia")
MAMMAL = ("class", "Mammalia")
FOX_KEY, RED_PANDA_KEY = ("species", "Vulpes vulpes"), ("species", "Ailurus fulgens")


def seen(track: int, key: tuple[str, str], label: str, confidence: float = 0.8, *above: tuple[str, str]) -> NamedTrack:
    return NamedTrack(track, key, label, confidence, (key, *above, MAMMAL, ANIMAL) if key != MAMMAL else (MAMMAL, ANIMAL))


FOX = seen(1, FOX_KEY, "red fox", 0.8, ("genus", "Vulpes"))
FOX_BETTER = seen(1, FOX_KEY, "red fox", 0.95, ("genus", "Vulpes"))
BADGER = seen(2, ("species", "Meles meles"), "badger", 0.7)
MAMMAL_3 = seen(3, MAMMAL, "unidentified mammal", 0.9)
PANDA_3 = seen(3, RED_PANDA_KEY, "red panda", 0.8)
FOX_AGAIN = seen(4, FOX_KEY, "red fox", 0.8, ("genus", "Vulpes"))  # a new track (the fox went behind a post)
SECOND_FOX = seen(5, FOX_KEY, "red fox", 0.8, ("genus", "Vulpes"))
BEAR_6 = seen(6, ("species", "Ursus maritimus"), "polar bear", 0.9, ("genus", "Ursus"))
MAMMAL_7 = seen(7, MAMMAL, "unidentified mammal", 0.95)
KOALA_7 = seen(7, ("species", "Phascolarctos cinereus"), "koala", 0.9)


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        # (time, sighted) per frame → events as (time, kind, label)
        ([(0, [FOX])], [(0, "started", "red fox")]),
        # Staying an hour is one visit.
        ([(t, [FOX]) for t in range(0, 3600, 5)], [(0, "started", "red fox")]),
        # Gone for less than the gap, back again (even as a new track): still one visit.
        ([(0, [FOX]), (5, []), (15, [FOX_AGAIN]), (20, [])], [(0, "started", "red fox")]),
        # Gone for the gap: the visit ends; coming back later is a new visit.
        ([(0, [FOX]), (31, []), (40, [FOX_AGAIN])], [(0, "started", "red fox"), (31, "ended", "red fox"), (40, "started", "red fox")]),
        # A second animal arriving is its own visit, of another species or of the same one.
        ([(0, [FOX]), (2, [FOX, BADGER])], [(0, "started", "red fox"), (2, "started", "badger")]),
        ([(0, [FOX]), (2, [FOX, SECOND_FOX])], [(0, "started", "red fox"), (2, "started", "red fox")]),
        # One animal told first as a mammal, then as a red panda: one visit, renamed, never a second "mammal" one,
        # and a moment of "mammal" afterwards does not make it vaguer again.
        ([(0, [MAMMAL_3]), (1, [PANDA_3]), (2, [MAMMAL_3])], [(0, "started", "unidentified mammal"), (1, "renamed", "red panda")]),
        # A koala first seen as "mammal" where a polar bear was a moment ago joins the bear's visit on that coarse
        # answer, and leaves it as its own sighting once it is told apart: the bear's sighting is never "koala".
        ([(0, [BEAR_6]), (3, []), (4, [MAMMAL_7]), (5, [KOALA_7]), (6, [KOALA_7])],
         [(0, "started", "polar bear"), (5, "started", "koala")]),
        # The track an animal was first seen on changes its mind: the tracker says it is the same animal, so renamed.
        ([(0, [FOX]), (1, [seen(1, ("species", "Meles meles"), "badger", 0.9)])], [(0, "started", "red fox"), (1, "renamed", "badger")]),
    ],
)  # fmt: skip
def test_visit_rule(frames, expected) -> None:  # type: ignore[no-untyped-def]
    visits: dict = {}
    events = []
    next_id = 1
    for now, sighted in frames:
        visits, new, next_id = update_visits(visits, sighted, float(now), gone_after=30.0, next_id=next_id)
        events += [(now, e.kind, e.visit.label) for e in new]
    assert events == expected


def test_visit_keeps_best_confidence_and_counts_frames() -> None:
    visits, _, n = update_visits({}, [FOX], 0.0, 30.0, 1)
    visits, _, n = update_visits(visits, [FOX_BETTER], 1.0, 30.0, n)
    visit = visits[1]
    assert visit.best_confidence == 0.95 and visit.frames == 2 and visit.last_seen == 1.0 and visit.tracks == (1,)


@pytest.mark.parametrize(
    ("label", "expected"),
    [("polar bear", "polar-bear"), ("../../etc/passwd", "etc-passwd"), ("Ursus (genus)", "ursus-genus"), ("Élan", "elan"),
     ("", "animal"), ("鳥", "animal"), ("a/b\\c:d*e?f", "a-b-c-d-e-f")],
)  # fmt: skip
def test_safe_file_names_whatever_the_label(label: str, expected: str) -> None:
    assert slug(label) == expected
    assert "/" not in snapshot_stem(0.0, [label])


def bear_result(w: int, h: int) -> Result:
    taxon = Taxon("species", "Ursus maritimus", "polar bear")
    prediction = Prediction(taxon, 0.93, (taxon, Taxon("genus", "Ursus"), Taxon("kingdom", "Animalia", "animal")), Box(0.2, 0.3, 0.4, 0.4), 0.6)
    return Result(w, h, (prediction,))


def make_frame(photos: Path) -> Frame:
    pixels = cv2.imread(str(photos / "animals/explore_world_animals-polar_bear.webp"))
    return Frame(42, time.monotonic(), time.time(), pixels)


def test_snapshot_writes_three_readable_files(photos: Path, tmp_path: Path) -> None:
    frame = make_frame(photos)
    annotated = frame.pixels.copy()
    annotated[:10] = 255
    files = save_snapshot(tmp_path / "snaps", frame, annotated, bear_result(frame.width, frame.height),
                          "rtsp://ranger:***@cam/live", {"classifier": "c@1", "detector": "d@1"}, "manual", 0.7)  # fmt: skip
    assert files.annotated.name.endswith("_polar-bear.jpg") and files.raw.name.endswith(".raw.jpg")
    assert cv2.imread(str(files.annotated)).shape == frame.pixels.shape
    assert np.abs(cv2.imread(str(files.raw)).astype(int) - frame.pixels.astype(int)).mean() < 4
    sidecar = json.loads(files.sidecar.read_text())
    assert sidecar["schema"] == "livespecies.snapshot/1" and sidecar["frame_seq"] == 42
    assert sidecar["predictions"][0]["scientific_name"] == "Ursus maritimus" and sidecar["models"]["detector"] == "d@1"
    assert sidecar["source"] == "rtsp://ranger:***@cam/live" and sidecar["files"]["raw"] == files.raw.name
    assert sidecar["writer"] == f"{socket.gethostname()} pid {os.getpid()}"
    again = save_snapshot(tmp_path / "snaps", frame, annotated, bear_result(frame.width, frame.height), "x", {}, "manual", 0.7)
    assert again.annotated != files.annotated  # same millisecond: a new name, nothing overwritten
    assert not list((tmp_path / "snaps").glob("*.tmp"))


def test_read_only_folder_is_a_sentence_and_loses_nothing(photos: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "earlier.jpg").write_bytes(b"kept")
    folder.chmod(0o500)
    try:
        frame = make_frame(photos)
        with pytest.raises(SnapshotError, match=f"Cannot save a snapshot in {folder}"):
            if Path("/proc/self").exists() and subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0":
                # root ignores permission bits: make the folder unwritable the way a read-only mount is
                folder.chmod(0o700)
                subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], check=True)
            save_snapshot(folder, frame, frame.pixels, bear_result(frame.width, frame.height), "x", {}, "manual", 0.7)
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)
        folder.chmod(0o700)
    assert sorted(p.name for p in folder.iterdir()) == ["earlier.jpg"]


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real 256 kB filesystem (tmpfs), so 'disk full' is the kernel's ENOSPC, not a mock."""
    with mounted_tmpfs(tmp_path / "tiny", "size=256k") as mount:
        yield mount


def test_full_disk_is_a_sentence_and_leaves_no_partial_snapshot(photos: Path, tiny_disk: Path) -> None:
    frame = make_frame(photos)
    big = cv2.resize(frame.pixels, (3000, 2250))  # ~1 MB as JPEG: cannot fit in 256 kB
    frame = Frame(1, 0.0, time.time(), big)
    (tiny_disk / "earlier.json").write_text("{}")
    with pytest.raises(SnapshotError, match="No space left on device"):
        save_snapshot(tiny_disk, frame, big, bear_result(3000, 2250), "x", {}, "manual", 0.7)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["earlier.json"]


def test_sightings_log_appends_lines(tmp_path: Path) -> None:
    log = SightingLog(tmp_path / "sightings.jsonl")
    visits, events, n = update_visits({}, [FOX], 1_700_000_000.0, 30.0, 1)
    files = SnapshotFiles(tmp_path / "a.jpg", tmp_path / "a.raw.jpg", tmp_path / "a.json")
    log.record(SightingRecord("s1", "demo clip", "started", events[0].visit, files))
    visits, events, n = update_visits(visits, [], 1_700_000_040.0, 30.0, n)
    log.record(SightingRecord("s1", "demo clip", "ended", events[0].visit, files))
    lines = [json.loads(line) for line in (tmp_path / "sightings.jsonl").read_text().splitlines()]
    assert [line["event"] for line in lines] == ["started", "ended"]
    assert lines[0]["label"] == "red fox" and lines[0]["snapshot"].endswith("a.jpg") and lines[1]["source"] == "demo clip"
    assert {line["writer"] for line in lines} == {f"{socket.gethostname()} pid {os.getpid()}"}  # two windows on one folder are told apart


def test_recorder_runs_jobs_in_order_and_reports_errors_as_sentences(tmp_path: Path) -> None:
    from livespecies.sightings.recorder import Recorder
    from livespecies.sightings.snapshots import SnapshotError

    errors: list[str] = []
    done: list[int] = []
    recorder = Recorder(errors.append)
    order: list[int] = []

    def slow(n: int) -> int:
        time.sleep(0.02 * (3 - n))
        order.append(n)
        return n

    for n in range(3):
        recorder.submit(lambda n=n: slow(n), done.append)

    def refused() -> None:
        raise SnapshotError("Cannot save a snapshot in /ro: Read-only file system.")

    recorder.submit(refused)
    recorder.submit(lambda: (tmp_path / "missing" / "x").read_text())
    recorder.close()
    assert order == [0, 1, 2] and done == [0, 1, 2]
    assert errors[0] == "Cannot save a snapshot in /ro: Read-only file system."
    assert errors[1].startswith("Cannot write ") and "No such file or directory" in errors[1]
