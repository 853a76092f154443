"""The CSV export: one row per sighting, with the columns a person sorting sightings in a spreadsheet wants."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from livespecies.exports import public_camera, scientific_taxon, utc_iso
from livespecies.sightings.database import StoredSighting
from livespecies.spreadsheet_safe import safe_cell, safe_dict

COLUMNS = (
    "id", "camera", "status", "start_utc", "end_utc", "duration_s", "label", "scientific_name", "rank", "confidence",
    "frames", "lineage", "models", "snapshot", "raw_snapshot",
)  # fmt: skip

# A spreadsheet runs a cell that starts with one of these as a formula; a camera named "=HYPERLINK(...)" must stay text.
def as_text(value: str) -> str:
    """A text cell a spreadsheet shows as written (a leading apostrophe is its own sign for "this is text")."""
    return str(safe_cell(value))


def sighting_row(s: StoredSighting) -> dict[str, str]:
    """One sighting as CSV cells. ``scientific_name`` is that of the taxon or its nearest ancestor that has one (a
    dog breed's is *Canis familiaris*); ``rank`` is the rank of the answer itself. Open sightings end at their
    last sighting so far."""
    end = s.ended_at if s.ended_at is not None else s.last_seen_at
    scientific = scientific_taxon(s.lineage) or ("", "")
    return {
        "id": s.id,
        "camera": as_text(public_camera(s.camera)),
        "status": s.status,
        "start_utc": utc_iso(s.started_at),
        "end_utc": utc_iso(end),
        "duration_s": f"{max(end - s.started_at, 0.0):.1f}",
        "label": as_text(s.label),
        "scientific_name": as_text(scientific[1]),
        "rank": s.taxon_rank,
        "confidence": f"{s.best_confidence:.4f}",
        "frames": str(s.frames),
        "lineage": as_text(" > ".join(f"{rank}:{name}" for rank, name in s.lineage)),
        "models": as_text("; ".join(f"{role}: {model}" for role, model in sorted(s.models.items()))),
        "snapshot": as_text(s.snapshot or ""),
        "raw_snapshot": as_text(s.raw_snapshot or ""),
    }


def write_csv(sightings: Sequence[StoredSighting], path: Path) -> list[Path]:
    """Write the rows, oldest sighting first (the order a person reads a day in). UTF-8 with a byte-order mark, so
    that a spreadsheet opened by double-click shows "Élan" rather than "Ã‰lan"."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for s in sorted(sightings, key=lambda s: (s.started_at, s.id)):
            writer.writerow(safe_dict(sighting_row(s)))
    return [path]
