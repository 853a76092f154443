"""`livespecies sightings --species` finds sightings by the common name of any rank of their lineage ("bird",
"parrot", "bear", "mammal"), as it does by scientific names: real photos, the shipped models' answers and lineages,
the real sightings service and a real SQLite file read by the real command."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from livespecies.inference.engine import Recognizer
from livespecies.pipeline import LivePipeline
from livespecies.sightings.database import SightingDatabase, SightingQuery
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.service import SightingsService
from livespecies.sightings.visits import Sighting
from livespecies.types import Frame

ROOT = Path(__file__).resolve().parents[2]
# camera → the real photo it watches; the shipped models call these Ara (genus; order "parrot", class "bird"),
# Domestic Chicken ("chicken", "bird"), polar bear (family "bear", class "mammal") and koala ("mammal").
CAMERAS = {"aviary": "explore_world_animals-scarlet_macaw", "coop": "explore_farm_animals-chicken",
           "tundra": "explore_world_animals-polar_bear", "bush": "explore_world_animals-koala"}  # fmt: skip


@pytest.fixture(scope="module")
def database(recognizer: Recognizer, photos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each camera sees its photo for three frames; its sightings are recorded as the watcher records them."""
    path = tmp_path_factory.mktemp("names") / "sightings.db"
    db = SightingDatabase(path)
    errors: list[str] = []
    for camera, photo in CAMERAS.items():
        pixels = cv2.imread(str(photos / "animals" / f"{photo}.webp"))
        pipeline = LivePipeline(recognizer)
        service = SightingsService(camera, Recorder(errors.append), [db], lambda: path.parent, lambda: False, lambda: recognizer.model_ids)
        for i in range(3):
            service.observe(pipeline.process(Frame(i + 1, 100.0 + i, 1_790_000_000.0 + i, pixels), 0.7))
        service.close()
        service.recorder.close()
    db.close()
    assert errors == []
    return path


def cameras_found(database: Path, *arguments: str) -> set[str]:
    done = subprocess.run([sys.executable, "-m", "livespecies", "sightings", "--db", str(database), "--format", "csv", *arguments],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {row["camera"] for row in csv.DictReader(io.StringIO(done.stdout))}


@pytest.mark.parametrize(
    ("species", "cameras"),
    [("bird", {"aviary", "coop"}), ("Bird", {"aviary", "coop"}), ("parrot", {"aviary"}), ("chicken", {"coop"}),
     ("bear", {"tundra"}), ("mammal", {"tundra", "bush"}), ("animal", set(CAMERAS)),
     # Scientific names and labels still match as before; a name of no rank matches nothing.
     ("Aves", {"aviary", "coop"}), ("Ursus", {"tundra"}), ("Psittaciformes", {"aviary"}), ("koala", {"bush"}), ("fish", set())],
)  # fmt: skip
def test_common_names_of_every_rank_match(database: Path, species: str, cameras: set[str]) -> None:
    assert cameras_found(database, "--species", species) == cameras


def test_json_output_carries_the_common_names(database: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "livespecies", "sightings", "--db", str(database), "--camera", "aviary", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    [row] = [json.loads(line) for line in done.stdout.splitlines()]
    assert {"parrot", "bird", "animal"} <= set(row["common_names"]) and ["order", "Psittaciformes"] in row["lineage"]


def test_a_database_from_before_common_names_is_still_read_and_written(tmp_path: Path) -> None:
    """A file made before sightings carried common names (no such column): readers read it, a writer adds the column."""
    path = tmp_path / "old.db"
    db = SightingDatabase(path)
    bear = (("species", "Ursus maritimus"), ("genus", "Ursus"), ("class", "Mammalia"))
    db.record(SightingRecord("old", "north", "ended", Sighting(1, bear[0], "polar bear", 0.0, 5.0, 0.9, 3, (1,), bear, 10.0, 15.0), None))
    db.close()
    with sqlite3.connect(path) as raw:
        raw.execute("ALTER TABLE sightings DROP COLUMN common_names")
    reader = SightingDatabase(path, readonly=True)
    assert [(r.id, r.common_names) for r in reader.query(SightingQuery(species="Ursus"))] == [("old", ())]
    reader.close()
    writer = SightingDatabase(path)
    names = ("polar bear", "bear", "mammal")
    writer.record(SightingRecord("new", "north", "ended", Sighting(1, bear[0], "polar bear", 0.0, 5.0, 0.9, 3, (1,), bear, 20.0, 25.0, names), None))
    assert [r.id for r in writer.query(SightingQuery(species="bear"))] == ["new"]  # the old row knows no common names
    assert [r.id for r in writer.query(SightingQuery(species="ursus"))] == ["new", "old"]
    writer.close()
