"""The sightings database on a real SQLite file: rows follow records, open rows of a killed program are closed once
and never duplicated, retention removes files and rows together, filters, and bad files give one sentence."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from livespecies.errors import UserError
from livespecies.sightings.database import SightingDatabase, SightingQuery
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.snapshots import SnapshotFiles
from livespecies.sightings.visits import Sighting

ROOT = Path(__file__).resolve().parents[2]
BEAR = (("species", "Ursus maritimus"), ("genus", "Ursus"), ("class", "Mammalia"), ("kingdom", "Animalia"))
HEN = (("species", "Gallus gallus"), ("genus", "Gallus"), ("class", "Aves"), ("kingdom", "Animalia"))


def visit(key: tuple[str, str], label: str, lineage: tuple[tuple[str, str], ...], started: float, last: float) -> Sighting:
    return Sighting(1, key, label, started, last, 0.9, 5, (1,), lineage, started, last)


def files(folder: Path, stem: str) -> SnapshotFiles:
    paths = SnapshotFiles(folder / f"{stem}.jpg", folder / f"{stem}.raw.jpg", folder / f"{stem}.json")
    for path in (paths.annotated, paths.raw, paths.sidecar):
        path.write_bytes(b"x")
    return paths


def test_a_sighting_is_one_row_that_follows_its_records(tmp_path: Path) -> None:
    db = SightingDatabase(tmp_path / "s.db")
    bear = visit(BEAR[0], "polar bear", BEAR, 1000.0, 1000.0)
    snap = files(tmp_path, "bear")
    db.record(SightingRecord("a1", "north", "started", bear, snap, {"classifier": "m1"}))
    db.record(SightingRecord("a1", "north", "renamed", visit(BEAR[1], "Ursus", BEAR[1:], 1000.0, 1005.0), None, {"classifier": "m1"}))
    db.record(SightingRecord("a1", "north", "ended", visit(BEAR[1], "Ursus", BEAR[1:], 1000.0, 1010.0), None, {"classifier": "m1"}))
    [row] = db.query()
    assert (row.status, row.taxon_rank, row.label, row.started_at, row.ended_at) == ("ended", "genus", "Ursus", 1000.0, 1010.0)
    assert row.snapshot == str(snap.annotated)  # a record without a snapshot keeps the stored one
    assert row.models == {"classifier": "m1"} and row.lineage[0] == ("genus", "Ursus")
    assert db.integrity() == "ok"
    db.close()


def test_filters(tmp_path: Path) -> None:
    db = SightingDatabase(tmp_path / "s.db")
    db.record(SightingRecord("a", "north", "ended", visit(BEAR[0], "polar bear", BEAR, 1000.0, 1010.0), None))
    db.record(SightingRecord("b", "south", "ended", visit(HEN[0], "hen", HEN, 2000.0, 2010.0), None))
    db.record(SightingRecord("c", "south", "ended", visit(HEN[2], "unidentified bird", HEN[2:], 3000.0, 3010.0), None))
    ids = lambda **kw: [r.id for r in db.query(SightingQuery(**kw))]  # noqa: E731
    assert ids() == ["c", "b", "a"]
    assert ids(camera="south") == ["c", "b"]
    assert ids(species="ursus") == ["a"] and ids(species="Aves") == ["c", "b"] and ids(species="hen") == ["b"]
    assert ids(since=1500.0, until=2500.0) == ["b"]
    assert ids(min_rank="genus") == ["b", "a"]
    assert ids(limit=1) == ["c"]
    with pytest.raises(UserError, match="Unknown rank 'specie'"):
        SightingQuery(min_rank="specie")


def test_rows_left_open_by_a_killed_writer_are_closed_once(tmp_path: Path) -> None:
    """A real writer process killed with SIGKILL mid-run: what it recorded is there, open rows are closed on reopening."""
    path = tmp_path / "s.db"
    code = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.records import SightingRecord
from livespecies.sightings.visits import Sighting
db = SightingDatabase(__import__('pathlib').Path({str(path)!r}))
lineage = (("species", "Ursus maritimus"), ("kingdom", "Animalia"))
for i in range(1000000):
    v = Sighting(i, lineage[0], "polar bear", float(i), float(i), 0.9, 1, (i,), lineage, float(i), float(i) + 1)
    db.record(SightingRecord(f"s{{i}}", "north", "started", v, None))
    db.record(SightingRecord(f"s{{i}}", "north", "ended", v, None))
    db.record(SightingRecord(f"t{{i}}", "north", "started", v, None))  # left open: its end never comes
    if i == 20:
        print("written", flush=True)
"""
    writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "written"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(10)
    db = SightingDatabase(path)
    assert db.integrity() == "ok"
    rows = db.query()
    ended = {r.id for r in rows if r.status == "ended"}
    assert {f"s{i}" for i in range(21)} <= ended  # every sighting whose end was recorded
    interrupted = db.close_interrupted()
    assert interrupted >= 21 and db.close_interrupted() == 0
    assert len(rows) == len({r.id for r in db.query()}) and all(r.status != "open" for r in db.query())
    db.close()


def test_retention_deletes_old_rows_and_their_files(tmp_path: Path) -> None:
    db = SightingDatabase(tmp_path / "s.db")
    old, new = files(tmp_path, "old"), files(tmp_path, "new")
    day = 86400.0
    db.record(SightingRecord("old", "north", "ended", visit(BEAR[0], "polar bear", BEAR, 0.0, 10.0), old))
    db.record(SightingRecord("new", "north", "ended", visit(BEAR[0], "polar bear", BEAR, 9 * day, 9 * day + 10), new))
    db.record(SightingRecord("open", "north", "started", visit(BEAR[0], "polar bear", BEAR, 0.0, 10.0), None))
    assert db.delete_older_than(7, now=10 * day) == 1
    assert {r.id for r in db.query()} == {"new", "open"}
    assert not old.annotated.exists() and not old.raw.exists() and not old.sidecar.exists() and new.annotated.exists()


def test_bad_files_are_one_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(UserError, match="is not a usable sightings database"):
        SightingDatabase(junk)
    with pytest.raises(UserError, match="No sightings database at"):
        SightingDatabase(tmp_path / "missing.db", readonly=True)
    other = tmp_path / "other.db"
    SightingDatabase(other).close()
    with sqlite3.connect(other) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(UserError, match="schema 99"):
        SightingDatabase(other)


def test_readers_read_while_a_writer_writes(tmp_path: Path) -> None:
    writer = SightingDatabase(tmp_path / "s.db")
    writer.record(SightingRecord("a", "north", "started", visit(BEAR[0], "polar bear", BEAR, 0.0, 1.0), None))
    reader = SightingDatabase(tmp_path / "s.db", readonly=True)
    assert [r.id for r in reader.query()] == ["a"]
    writer.record(SightingRecord("b", "north", "started", visit(BEAR[0], "polar bear", BEAR, 5.0, 6.0), None))
    assert [r.id for r in reader.query()] == ["b", "a"]
    reader.close()
    writer.close()


def test_a_reader_of_a_file_being_created_or_of_another_database(tmp_path: Path) -> None:
    """`livespecies sightings` while a first watcher is still creating its file finds nothing yet (no traceback); on
    another program's SQLite file it says so in one sentence."""
    fresh = tmp_path / "fresh.db"
    sqlite3.connect(fresh).close()  # an empty file, as the writer's first statement leaves it
    reader = SightingDatabase(fresh, readonly=True)
    assert reader.query() == []
    SightingDatabase(fresh).close()  # the writer creates its tables
    assert reader.query() == []
    reader.close()
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE birds (name TEXT)")
    done = subprocess.run([sys.executable, "-m", "livespecies", "sightings", "--db", str(other)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 2 and f"{other} is not a sightings database" in done.stderr and "Traceback" not in done.stderr, done.stderr
