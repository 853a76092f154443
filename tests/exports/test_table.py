"""The CSV export: one row per sighting, from a table of cases, and a real database's file read back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from livespecies.exports.run import export
from livespecies.exports.table import COLUMNS, as_text, sighting_row
from tests.exports.conftest import DOG, GATE, NORTH, T0, SightingsFixture, sighting


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {"start_utc": "2024-06-01T07:00:00Z", "end_utc": "2024-06-01T07:00:30Z", "duration_s": "29.5",
              "scientific_name": "Ursus maritimus", "rank": "species", "confidence": "0.9300", "frames": "12",
              "models": "classifier: c@1; detector: d@2", "snapshot": ""}),
        # Still in view: it ends, for now, at its last sighting.
        ({"status": "open", "ended_at": None, "last_seen_at": T0 + 90.7},
         {"status": "open", "end_utc": "2024-06-01T07:01:30Z", "duration_s": "90.0"}),
        # A breed: its own rank, the scientific name of its species.
        ({"taxon_rank": "breed", "taxon_name": "German shepherd", "label": "German shepherd", "lineage": DOG},
         {"rank": "breed", "label": "German shepherd", "scientific_name": "Canis familiaris", "lineage": " > ".join(f"{r}:{n}" for r, n in DOG)}),
        ({"taxon_rank": "unranked", "taxon_name": "unknown animal", "label": "unknown animal", "lineage": ()},
         {"scientific_name": "", "lineage": ""}),
        # A password that reached the database anyway never reaches the file; a formula stays text.
        ({"camera": "rtsp://ranger:hunter2@10.0.0.7/live"}, {"camera": "rtsp://ranger:***@10.0.0.7/live"}),
        ({"camera": "=HYPERLINK(\"http://x\")", "snapshot": "/snaps/a.jpg"}, {"camera": "'=HYPERLINK(\"http://x\")", "snapshot": "/snaps/a.jpg"}),
    ],
)  # fmt: skip
def test_sighting_row(changes: dict[str, object], expected: dict[str, str]) -> None:
    row = sighting_row(sighting(**changes))
    assert tuple(row) == COLUMNS
    assert {k: row[k] for k in expected} == expected


@pytest.mark.parametrize(("value", "expected"), [("north", "north"), ("=1+1", "'=1+1"), ("-garden", "'-garden"), ("@x", "'@x"), ("", "")])
def test_as_text(value: str, expected: str) -> None:
    assert as_text(value) == expected


def test_the_file_of_a_real_database(sightings: SightingsFixture, tmp_path: Path) -> None:
    out = tmp_path / "sightings.csv"
    assert export(sightings.db, "csv", out) == [out]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a spreadsheet reads it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["bear", "hen", "moose", "dog", "kingfisher", "bird", "jaguar", "koala"]  # oldest first
    by_id = {r["id"]: r for r in rows}
    hen = by_id["hen"]
    assert (hen["label"], hen["scientific_name"], hen["rank"]) == ("Domestic Chicken", "Gallus gallus domesticus", "subspecies")
    assert (by_id["moose"]["label"], by_id["moose"]["scientific_name"], by_id["moose"]["rank"]) == ("unidentified mammal", "Mammalia", "class")
    assert by_id["hen"]["duration_s"] == "95.5" and by_id["koala"]["status"] == "open" and by_id["jaguar"]["snapshot"] == ""
    assert by_id["dog"]["camera"] == GATE and by_id["bear"]["camera"] == NORTH
    assert Path(by_id["bear"]["snapshot"]).is_file() and by_id["bear"]["snapshot"].endswith("_polar-bear.jpg")
