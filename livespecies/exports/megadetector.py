"""The MegaDetector export: each sighting's raw snapshot with the detections and classifications of its sidecar, as
MegaDetector batch output (format 1.4), which Timelapse and AddaxAI read.

The document is written by ``classify --format megadetector``'s own writer, so the two never drift apart: its
records are rebuilt from the sidecars by ``serialization.prediction_from_dict``, the inverse of the
``prediction_to_dict`` that wrote them. The images are linked into one folder per camera beside the JSON, with paths
relative to it: Timelapse opens the export folder as its image set. A sighting recorded without a detector box (a
whole-frame answer) becomes one "animal (whole image)" entry whose classifier confidence is in its classifications
only, never in the detection's ``conf``: ``batch/formats.py`` says why.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from livespecies.batch.formats import MegaDetectorWriter
from livespecies.batch.records import ImageRecord
from livespecies.errors import UserError
from livespecies.exports import camera_folders, place_file, public_camera, read_sidecar
from livespecies.serialization import detection_from_dict, prediction_from_dict
from livespecies.sightings.database import StoredSighting
from livespecies.types import Result

DOCUMENT = "megadetector.json"


def result_from_sidecar(sidecar: dict[str, Any]) -> Result:
    """The result a snapshot was saved with (boxes and scores as rounded in the sidecar)."""
    unidentified = tuple(detection_from_dict(u) for u in sidecar.get("unidentified", []) if u.get("box"))
    return Result(int(sidecar["width"]), int(sidecar["height"]), tuple(prediction_from_dict(p) for p in sidecar["predictions"]),
                  unidentified, str(sidecar.get("mode", "detector")))  # fmt: skip


def image_record(image: Path, sidecar_path: str | None) -> ImageRecord:
    """One image's record; a snapshot whose sidecar is gone or damaged is listed as a failure, as MegaDetector
    lists an image it could not read, so that Timelapse shows it unclassified rather than empty."""
    sidecar = read_sidecar(sidecar_path)
    if sidecar is None:
        return ImageRecord(image, None, "its livespecies sidecar is missing or unreadable")
    try:
        return ImageRecord(image, result_from_sidecar(sidecar), None)
    except (KeyError, TypeError, ValueError):
        return ImageRecord(image, None, "its livespecies sidecar is damaged")


def write_megadetector(sightings: Sequence[StoredSighting], folder: Path) -> list[Path]:
    """Link each sighting's raw snapshot into ``folder/<camera>/`` and write ``folder/megadetector.json``."""
    folders = camera_folders(public_camera(s.camera) for s in sightings)
    records: list[ImageRecord] = []
    images: list[Path] = []
    linked: set[str] = set()
    for s in sorted(sightings, key=lambda s: (public_camera(s.camera), s.started_at, s.id)):
        if not s.raw_snapshot or s.raw_snapshot in linked or not Path(s.raw_snapshot).is_file():
            continue  # no snapshot, or its file was deleted by retention: nothing to show Timelapse
        linked.add(s.raw_snapshot)
        target = folder / folders[public_camera(s.camera)] / Path(s.raw_snapshot).name
        if target.exists():  # the same name in two snapshot folders of one camera
            target = target.with_name(f"{s.id}-{target.name}")
        place_file(Path(s.raw_snapshot), target)
        images.append(target)
        records.append(image_record(target, s.sidecar))
    if not records:
        raise UserError(f"None of the {len(sightings)} sightings selected has a snapshot image: the MegaDetector format lists "
                        "images, so turn on auto snapshots or export as csv or camtrap-dp.")  # fmt: skip
    # The document names one set of models; sightings are recorded with the models of their time, the newest win.
    newest = max((s for s in sightings if s.models), key=lambda s: s.started_at, default=None)
    buffer = io.StringIO()
    writer = MegaDetectorWriter(buffer, None, folder, dict(newest.models) if newest else {})
    for record in records:
        writer.write(record)
    writer.close()
    document = folder / DOCUMENT
    document.write_text(buffer.getvalue(), encoding="utf-8")
    return [document, *images]
