"""`livespecies sightings` on a real database file: table, CSV and JSON, filters, and bad input as one sentence."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.visits import Sighting
from livespecies.watch.commands import parse_time

ROOT = Path(__file__).resolve().parents[2]
BEAR = (("species", "Ursus maritimus"), ("genus", "Ursus"), ("class", "Mammalia"), ("kingdom", "Animalia"))
HEN = (("species", "Gallus gallus"), ("genus", "Gallus"), ("class", "Aves"), ("kingdom", "Animalia"))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "sightings.db"
    db = SightingDatabase(path)
    for sid, camera, lineage, label, start in (("a", "north", BEAR, "polar bear", 1_790_000_000.0),
                                               ("b", "south", HEN, "hen", 1_790_000_100.0),
                                               ("c", "south", HEN[2:], "unidentified bird", 1_790_000_200.0)):  # fmt: skip
        visit = Sighting(1, lineage[0], label, start, start + 5, 0.91, 12, (1,), lineage, start, start + 5)
        db.record(SightingRecord(sid, camera, "ended", visit, None, {"classifier": "m"}))
    db.close()
    return path


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "livespecies", "sightings", *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_table_csv_and_json(database: Path) -> None:
    table = run("--db", str(database))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["started", "ended", "camera", "label", "rank", "confidence", "frames", "status"]
    assert "unidentified bird" in lines[1] and "polar bear" in lines[3] and "91%" in lines[3]
    rows = list(csv.DictReader(io.StringIO(run("--db", str(database), "--format", "csv").stdout)))
    assert [r["label"] for r in rows] == ["unidentified bird", "hen", "polar bear"]
    records = [json.loads(line) for line in run("--db", str(database), "--format", "json").stdout.splitlines()]
    assert records[2]["lineage"][0] == ["species", "Ursus maritimus"] and records[2]["camera"] == "north"


def test_filters(database: Path) -> None:
    labels = lambda *a: [r["label"] for r in csv.DictReader(io.StringIO(run("--db", str(database), "--format", "csv", *a).stdout))]  # noqa: E731
    assert labels("--camera", "south") == ["unidentified bird", "hen"]
    assert labels("--species", "Aves", "--min-rank", "species") == ["hen"]
    assert labels("--species", "Ursus") == ["polar bear"]
    after_first = datetime.fromtimestamp(1_790_000_050, tz=UTC).isoformat()
    before_third = datetime.fromtimestamp(1_790_000_150, tz=UTC).isoformat()
    assert labels("--since", after_first) == ["unidentified bird", "hen"] and labels("--since", after_first, "--until", before_third) == ["hen"]
    assert labels("--limit", "1") == ["unidentified bird"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(("--db", "/nowhere/s.db"), "No sightings database at /nowhere/s.db"),
     (("--min-rank", "specie"), "Unknown rank 'specie'"),
     (("--since", "yesterday"), "'yesterday' is not a time")],
)  # fmt: skip
def test_bad_input_is_one_sentence(database: Path, arguments: tuple[str, ...], message: str) -> None:
    done = run(*(arguments if arguments[0] == "--db" else ("--db", str(database), *arguments)))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_relative_times() -> None:
    assert parse_time("90m", now=10_000.0) == 10_000.0 - 5400 and parse_time("2d", now=200_000.0) == 200_000.0 - 172_800
