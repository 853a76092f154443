"""The teach loop's records: a confirmed or corrected sighting becomes a labelled training example.

Each example is the raw frame and the animal's box, written as a livespecies
snapshot (``NAME.raw.jpg`` + ``NAME.json`` sidecar) into ``DATASET/<class>/``,
which is exactly what ``python -m training train --data DATASET`` trains on (the
sidecar's box gives the crop). ``DATASET/labels.csv`` names each class folder
with its common and scientific name, lineage and whether it is an animal, so the
trained model rolls up like the shipped ones and never reports "empty" as an
animal. Qt-free: the window calls it on its recorder thread.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2

from livespecies import __version__
from livespecies.atomic import write_atomically
from livespecies.errors import UserError
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.snapshots import SIDECAR_SCHEMA, SnapshotError, SnapshotFiles, slug, snapshot_stem
from livespecies.spreadsheet_safe import safe_dict, unguarded
from livespecies.types import Box, Frame, Prediction, Taxon

NON_ANIMALS = ("empty", "human", "vehicle")
LABEL_COLUMNS = ("folder", "common_name", "scientific_name", "rank", "lineage", "organism")


@dataclass(frozen=True)
class Teaching:
    """What a sighting really was: a class folder and the labels-CSV row that names it."""

    folder: str
    common_name: str
    scientific_name: str = ""
    rank: str = ""
    lineage: tuple[Taxon, ...] = ()  # above the class, finest first
    organism: bool = True

    def row(self) -> dict[str, str]:
        return {"folder": self.folder, "common_name": self.common_name, "scientific_name": self.scientific_name, "rank": self.rank,
                "lineage": ";".join(f"{t.rank}:{t.name}" for t in self.lineage if t.scientific),
                "organism": "yes" if self.organism else "no"}  # fmt: skip


def from_prediction(prediction: Prediction) -> Teaching:
    """The sighting was right: its taxon, with the lineage the model gave it."""
    taxon = prediction.taxon
    scientific = prediction.scientific_name or ""
    own_is_scientific = taxon.scientific
    return Teaching(
        folder=slug(prediction.label).replace("-", "_"),
        common_name=prediction.label,
        scientific_name=scientific if own_is_scientific else "",
        rank=taxon.rank if own_is_scientific else "unranked",
        lineage=tuple(prediction.lineage[1:]),
    )


def from_name(name: str, known: list[Teaching]) -> Teaching:
    """A correction typed or picked by the user: a class taught before, a non-animal, or a new class by name."""
    folder = slug(name).replace("-", "_")
    for teaching in known:
        if teaching.folder == folder or teaching.common_name.lower() == name.strip().lower():
            return teaching
    if folder in NON_ANIMALS:
        return Teaching(folder, folder, organism=False)
    return Teaching(folder, name.strip())


def known_classes(dataset: Path) -> list[Teaching]:
    """The classes already in the dataset's labels CSV (what the correction list offers first)."""
    table = dataset / "labels.csv"
    if not table.is_file():
        return []
    with table.open(newline="", encoding="utf-8") as handle:
        rows = [{k: unguarded(v or "") for k, v in row.items() if k} for row in csv.DictReader(handle)]
    out = []
    for row in rows:
        lineage = tuple(Taxon(part.split(":", 1)[0], part.split(":", 1)[1]) for part in (row.get("lineage") or "").split(";") if ":" in part)
        out.append(Teaching(row["folder"], row.get("common_name") or row["folder"], row.get("scientific_name") or "", row.get("rank") or "",
                            lineage, (row.get("organism") or "yes") != "no"))  # fmt: skip
    return out


def save_example(dataset: Path, teaching: Teaching, frame: Frame, box: Box | None, source: str) -> SnapshotFiles:
    """Write one labelled example (raw frame, then its sidecar) and record its class in ``labels.csv``.

    Raises SnapshotError (one sentence) when the dataset folder cannot be written; nothing half-written stays.
    """
    folder = dataset / teaching.folder
    stem = snapshot_stem(frame.wall_time, [teaching.folder])
    raw, document = folder / f"{stem}.raw.jpg", folder / f"{stem}.json"
    ok, jpeg = cv2.imencode(".jpg", frame.pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise SnapshotError("Could not encode the example as JPEG.")
    sidecar = {
        "schema": SIDECAR_SCHEMA, "livespecies_version": __version__, "reason": "teach", "source": source,
        "captured_at": datetime.fromtimestamp(frame.wall_time, tz=UTC).isoformat(timespec="milliseconds"),
        "frame_seq": frame.seq, "width": frame.width, "height": frame.height, "label": teaching.folder,
        # The box the training crop comes from; "unidentified" is where training's sidecar reader looks for a bare box.
        "predictions": [], "unidentified": [{"box": box.as_list(), "detector_confidence": 1.0}] if box else [],
        "files": {"raw": raw.name},
    }  # fmt: skip
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(raw, jpeg.tobytes())
        write_atomically(document, json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n")
        _record_class(dataset, teaching)
    except OSError as exc:
        raw.unlink(missing_ok=True)
        document.unlink(missing_ok=True)
        raise SnapshotError(f"Cannot save the example in {dataset}: {exc.strerror or exc}.") from None
    return SnapshotFiles(raw, raw, document)


def _record_class(dataset: Path, teaching: Teaching) -> None:
    rows = {t.folder: t.row() for t in known_classes(dataset)}
    if teaching.folder in rows:
        return
    rows[teaching.folder] = teaching.row()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=LABEL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(safe_dict(rows[name]) for name in sorted(rows))
    write_atomically(dataset / "labels.csv", text.getvalue())


def examples_per_class(dataset: Path) -> dict[str, int]:
    """How many examples each class folder holds (what the Train… dialog shows before training)."""
    if not dataset.is_dir():
        return {}
    return {folder.name: len(list(folder.glob("*.raw.jpg"))) for folder in sorted(dataset.iterdir()) if folder.is_dir()}


def teach_sighting(evidence: Mapping[int, tuple[Frame, Prediction]], visit_id: int, name: str | None, dataset: Path, source: str,
                   recorder: Recorder, on_saved: Callable[[str], None]) -> None:  # fmt: skip
    """Save a sighting's best frame as a labelled example, on the recorder thread: as its own answer when ``name`` is
    None, else as ``name`` (a class taught before, "empty", "human", "vehicle", or a new species by name).
    ``UserError`` when the sighting's frame is no longer kept (``evidence`` holds the latest sightings only)."""
    kept = evidence.get(visit_id)
    if kept is None:
        raise UserError("That sighting's frame is no longer kept (only the latest sightings are); teach a newer one.")
    frame, prediction = kept
    teaching = from_prediction(prediction) if name is None else from_name(name, known_classes(dataset))

    def job() -> str:
        save_example(dataset, teaching, frame, prediction.box, source)
        return teaching.common_name

    recorder.submit(job, on_saved)
