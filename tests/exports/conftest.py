"""A real sightings database for the export tests: real photos recognized by the shipped models, real snapshot files
and sidecars written by ``save_snapshot``, rows written by ``SightingDatabase.record`` as the sightings service does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from livespecies.capture.image_file import load_image
from livespecies.inference.engine import Recognizer
from livespecies.overlay.draw import draw_overlay, overlay_items
from livespecies.sightings.database import SightingDatabase, StoredSighting
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.snapshots import save_snapshot
from livespecies.sightings.visits import Sighting
from livespecies.types import Frame

T0 = 1_717_225_200.0  # 2024-06-01T07:00:00Z
NORTH = "north meadow"
GATE = "rtsp://ranger:***@10.0.0.7/live"  # how the service names a stream camera: its URL, password redacted
PASSWORD = "hunter2"
DOG = (("breed", "German shepherd"), ("species", "Canis familiaris"), ("genus", "Canis"), ("family", "Canidae"), ("order", "Carnivora"),
       ("class", "Mammalia"), ("kingdom", "Animalia"))  # fmt: skip
BEAR = (("species", "Ursus maritimus"), ("genus", "Ursus"), ("family", "Ursidae"), ("class", "Mammalia"), ("kingdom", "Animalia"))


def sighting(**changes: object) -> StoredSighting:
    """A database row as readers get it, for the row-building tables."""
    values: dict[str, object] = dict(id="s1", camera=NORTH, status="ended", started_at=T0 + 0.7, last_seen_at=T0 + 30.2, ended_at=T0 + 30.2,
                                     taxon_rank="species", taxon_name="Ursus maritimus", label="polar bear", lineage=BEAR,
                                     best_confidence=0.93, frames=12, snapshot=None, raw_snapshot=None, sidecar=None,
                                     models={"classifier": "c@1", "detector": "d@2"})  # fmt: skip
    return StoredSighting(**(values | changes))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Shot:
    """One sighting to record: a real photo, which of its answers the sighting follows, when, and for how long."""

    id: str
    camera: str
    photo: str
    start: float
    seconds: float
    answer: int = 0
    snapshot: bool = True
    ended: bool = True


SHOTS = (
    Shot("bear", NORTH, "animals/explore_world_animals-polar_bear.webp", T0, 42.0),
    Shot("hen", NORTH, "animals/explore_farm_animals-chicken.webp", T0 + 600, 95.5),
    Shot("moose", NORTH, "animals/explore_world_animals-moose.webp", T0 + 3600, 20.0),  # "unidentified mammal"
    Shot("dog", GATE, "animals/explore_farm_animals-dog.webp", T0 + 86400, 12.0),  # a breed: German shepherd
    Shot("kingfisher", GATE, "animals/erase-kingfisher.webp", T0 + 90000, 8.0),  # named by the bird specialist
    Shot("bird", GATE, "animals/erase-kingfisher.webp", T0 + 90001, 5.0, answer=1),  # the same frame's second box: "unidentified bird"
    Shot("jaguar", GATE, "animals/explore_world_animals-jaguar.webp", T0 + 90400, 30.0, snapshot=False),  # auto snapshots off
    Shot("koala", NORTH, "animals/explore_world_animals-koala.webp", T0 + 2 * 86400, 3.0, ended=False),  # still in view
)


@dataclass(frozen=True)
class SightingsFixture:
    db: SightingDatabase
    snapshots: Path
    model_ids: dict[str, str]


def record_shot(db: SightingDatabase, recognizer: Recognizer, photos: Path, folder: Path, shot: Shot) -> None:
    """What the service records for one sighting: its start (with the snapshot) and, unless still open, its end."""
    pixels = load_image(photos / shot.photo).pixels
    result = recognizer.recognize(pixels)
    answer = result.predictions[shot.answer]
    lineage = tuple((t.rank, t.name) for t in answer.lineage)
    visit = Sighting(1, (answer.taxon.rank, answer.taxon.name), answer.label, 0.0, shot.seconds, answer.confidence, 7, (1,), lineage,
                  shot.start, shot.start + shot.seconds)  # fmt: skip
    files = None
    if shot.snapshot:
        frame = Frame(7, 0.0, shot.start + 1.25, pixels)
        files = save_snapshot(folder, frame, draw_overlay(pixels, overlay_items(result)), result, shot.camera, recognizer.model_ids,
                              "sighting", 0.5, (shot.start, answer.label))  # fmt: skip
    db.record(SightingRecord(shot.id, shot.camera, "started", visit, files, recognizer.model_ids))
    if shot.ended:
        db.record(SightingRecord(shot.id, shot.camera, "ended", visit, None, recognizer.model_ids))


@pytest.fixture(scope="session")
def sightings(tmp_path_factory: pytest.TempPathFactory, recognizer: Recognizer, photos: Path) -> SightingsFixture:
    """Eight sightings on two cameras over three days (read only by the tests: exports never write the database)."""
    root = tmp_path_factory.mktemp("sightings")
    db = SightingDatabase(root / "sightings.db")
    for shot in SHOTS:
        record_shot(db, recognizer, photos, root / "snapshots", shot)
    return SightingsFixture(db, root / "snapshots", recognizer.model_ids)
