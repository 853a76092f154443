"""A real site for the web tests: a sightings database written by SightingDatabase.record, with annotated, raw and
sidecar snapshot files written by save_snapshot from real photos, plus files outside the snapshot folder that must
never be served."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from livespecies.overlay.draw import draw_overlay, overlay_items
from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.snapshots import SnapshotFiles, save_snapshot
from livespecies.sightings.visits import Sighting
from livespecies.types import Box, Frame, Prediction, Result, Taxon

# Noon of a fixed day in this machine's zone: "today" for every test, whatever day and hour they run.
NOW = datetime(2026, 5, 17, 12, 0, 0).timestamp()
HOUR = 3600.0
PASSWORD = "hunter2-Secret"
GARDEN = "garden <b>pond</b>"  # camera names are user data: markup in one must show as text
GATE = "rtsp://ranger:***@10.0.0.5/live"  # the database holds camera names already redacted
SHED = "shed"  # watched, but nothing seen yet
EVIL_LABEL = "<img src=x onerror=alert(1)>"  # labels come from user lineages and labels CSVs
SECRET = b"TOP-SECRET-CONTENT-outside-the-snapshot-folder"

BEAR = (Taxon("species", "Ursus maritimus", "polar bear"), Taxon("genus", "Ursus"), Taxon("class", "Mammalia", "mammal"))
HEN = (Taxon("species", "Gallus gallus domesticus", "Domestic Chicken"), Taxon("genus", "Gallus"), Taxon("class", "Aves", "bird"))
GIRAFFE = (Taxon("order", "Artiodactyla", "even-toed ungulate"), Taxon("class", "Mammalia", "mammal"))


@dataclass(frozen=True)
class SampleSite:
    database: Path
    snapshots: Path
    secret: Path  # a file outside the snapshot folder, reachable from inside only through symlinks
    ids: dict[str, str]  # name in the tests → sighting id
    files: dict[str, SnapshotFiles]  # name in the tests → its snapshot files (sightings that have one)

    def image(self, name: str) -> str:
        """The URL path of a sighting's annotated snapshot, below /snapshots/ or /thumbs/."""
        return self.files[name].annotated.relative_to(self.snapshots).as_posix()

    def camera_states(self) -> list[dict[str, object]]:
        """What the watcher reports (the shape of station.stats' StationStats.as_dict); the gate's state still carries a
        password, as a careless caller might send it."""
        refused = f"refused: nothing listens on 10.0.0.5:554 (rtsp://ranger:{PASSWORD}@10.0.0.5/live)"
        return [
            {"name": GARDEN, "state": "live", "status": "live", "fps_in": 12.0, "fps_processed": 4.5, "frames_in": 5000, "processed": 1200,
             "skipped_busy": 37, "skipped_static": 3763, "static_share": 0.7583, "lag": 0.12, "reconnects_last_hour": 0,
             "last_sighting": "Domestic Chicken", "last_sighting_at": NOW - HOUR + 20, "last_error": None},
            {"name": GATE, "state": f"reconnecting in 4 s ({refused})", "status": "reconnecting", "fps_in": 0.0, "fps_processed": 0.0,
             "reconnects_last_hour": 3, "last_sighting": None, "last_error": refused},
            {"name": SHED, "state": "failed: wrong user or password", "status": "failed", "fps_in": float("nan"), "weird_new_stat": 7},
        ]  # fmt: skip


def visit(lineage: tuple[Taxon, ...], label: str, started: float, last: float, confidence: float) -> Sighting:
    keys = tuple((t.rank, t.name) for t in lineage)
    return Sighting(1, keys[0], label, started, last, confidence, 12, (1,), keys, started, last)


def _snapshot(folder: Path, photo: Path, lineage: tuple[Taxon, ...], when: float, label: str) -> SnapshotFiles:
    read = cv2.imread(str(photo))
    assert read is not None, photo
    pixels = np.asarray(read, np.uint8)
    frame = Frame(1, 0.0, when, pixels)
    prediction = Prediction(lineage[0], 0.9, lineage, Box(0.15, 0.15, 0.7, 0.7), 0.8)
    result = Result(frame.width, frame.height, (prediction,))
    annotated = draw_overlay(pixels, overlay_items(result))
    return save_snapshot(folder, frame, annotated, result, GATE, {"classifier": "test@1"}, "auto", 0.7, name=(when, label))


def build_site(tmp: Path, photos: Path) -> SampleSite:
    snapshots = tmp / "snapshots"
    outside = tmp / "outside"
    outside.mkdir(parents=True)
    secret = outside / "secret.jpg"
    secret.write_bytes(SECRET)
    day = snapshots / "2026-05-17"
    database_path = snapshots / "sightings.db"  # inside the served folder on purpose: it must still never be served
    db = SightingDatabase(database_path)
    animals = photos / "animals"
    plan = [
        # name, id, camera, lineage, label, start (hours from NOW), length (s), confidence, photo, folder, ended
        ("bear", "s-bear", GARDEN, BEAR, "polar bear", -4.0, 95.0, 0.93, "explore_world_animals-polar_bear.webp", day, True),
        ("hen1", "s-hen1", GARDEN, HEN, "Domestic Chicken", -2.5, 40.0, 0.81, "explore_farm_animals-chicken.webp", day, True),
        ("hen2", "s-hen2", GARDEN, HEN, "Domestic Chicken", -1.0, 20.0, 0.97, "explore_farm_animals-chicken.webp", day, True),
        ("evil", "s-evil", GATE, GIRAFFE, EVIL_LABEL, -0.5, 10.0, 0.7, "erase-giraffe.webp", day, False),
        ("ursus", "s-ursus", GATE, BEAR[1:], "Ursus", -3.0, 30.0, 0.66, None, day, True),
        ("stray", "s-stray", GATE, HEN, "Domestic Chicken", -3.5, 5.0, 0.99, "explore_farm_animals-chicken.webp", outside, True),
        ("yesterday", "s-yesterday", GARDEN, GIRAFFE, "even-toed ungulate", -26.0, 60.0, 0.88, "explore_world_animals-giraffe.webp",
         snapshots / "2026-05-16", True),
    ]  # fmt: skip
    written: dict[str, SnapshotFiles] = {}
    for name, sighting_id, camera, lineage, label, start, length, confidence, photo, folder, ended in plan:
        started = NOW + start * HOUR
        files = _snapshot(folder, animals / photo, lineage, started, label) if photo else None
        if files:
            written[name] = files
        first = visit(lineage, label, started, started, confidence)
        db.record(SightingRecord(sighting_id, camera, "started", first, files, {"classifier": "test@1"}))
        if ended:
            last = visit(lineage, label, started, started + length, confidence)
            db.record(SightingRecord(sighting_id, camera, "ended", last, None, {"classifier": "test@1"}))
    db.close()
    # Ways out of the folder that a careless resolver would follow.
    os.symlink(secret, snapshots / "escape.jpg")
    os.symlink(outside, snapshots / "outside-link")
    return SampleSite(database_path, snapshots, secret, {name: sighting_id for name, sighting_id, *_ in plan}, written)
