"""Snapshots: the annotated frame, the raw frame and a JSON sidecar, written atomically under safe names.

The sidecar is written last, so a sidecar always means both images are
complete; it carries everything later tools need (Camtrap DP and MegaDetector
exports, training sets built from sorted snapshots): source (credentials
redacted), time, frame size, every prediction with box and lineage, and the
model ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from livespecies import __version__
from livespecies.atomic import write_atomically
from livespecies.errors import UserError
from livespecies.serialization import detection_to_dict, prediction_to_dict
from livespecies.sightings.writer import writer
from livespecies.slugs import slug as slug  # re-exported: snapshot, teach and export folders are named by it
from livespecies.types import Frame, Result

SIDECAR_SCHEMA = "livespecies.snapshot/1"


class SnapshotError(UserError):
    """The snapshot folder cannot be written (read-only, full, missing drive)."""


@dataclass(frozen=True)
class SnapshotFiles:
    annotated: Path
    raw: Path
    sidecar: Path


def snapshot_stem(wall_time: float, labels: list[str] | str) -> str:
    moment = datetime.fromtimestamp(wall_time, tz=UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%S") + f"{moment.microsecond // 1000:03d}Z"
    label = labels if isinstance(labels, str) else labels[0] if labels else ""
    return f"{stamp}_{slug(label) if label else 'no-animal'}"


def sidecar(frame: Frame, result: Result, source: str, model_ids: dict[str, str], reason: str, threshold: float,
            files: SnapshotFiles) -> dict[str, Any]:  # fmt: skip
    return {
        "schema": SIDECAR_SCHEMA,
        "livespecies_version": __version__,
        "reason": reason,
        "source": source,
        "writer": writer(),
        "captured_at": datetime.fromtimestamp(frame.wall_time, tz=UTC).isoformat(timespec="milliseconds"),
        "frame_seq": frame.seq,
        "width": frame.width,
        "height": frame.height,
        "threshold": threshold,
        "models": model_ids,
        "mode": result.mode,
        "predictions": [prediction_to_dict(p) for p in result.predictions],
        "unidentified": [detection_to_dict(d) for d in result.unidentified],
        "files": {"annotated": files.annotated.name, "raw": files.raw.name},
    }


def save_snapshot(
    folder: Path,
    frame: Frame,
    annotated: npt.NDArray[np.uint8],
    result: Result,
    source: str,
    model_ids: dict[str, str],
    reason: str,
    threshold: float,
    name: tuple[float, str] | None = None,
    replacing: SnapshotFiles | None = None,
) -> SnapshotFiles:
    """Write the three files; on any failure raise SnapshotError and leave no partial file behind.

    ``name``: (time, label) the files are named after (a sighting's start and name); else the frame's time and
    its first answer. ``replacing``: a sighting's earlier snapshot of the same name is overwritten in place (each
    file atomically), so a better frame keeps the sighting's file names."""
    stem = snapshot_stem(*name) if name else snapshot_stem(frame.wall_time, [p.label for p in result.predictions])
    same_name = re.fullmatch(re.escape(stem) + r"(-\d+)?\.jpg", replacing.annotated.name) if replacing else None
    if replacing is not None and replacing.annotated.parent == folder and same_name:
        files = replacing
    else:
        files = _free_names(folder, stem)
    encoded = []
    for pixels in (annotated, frame.pixels):
        ok, buffer = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 92])
        if not ok:
            raise SnapshotError("Could not encode the snapshot as JPEG.")
        encoded.append(buffer.tobytes())
    document = json.dumps(sidecar(frame, result, source, model_ids, reason, threshold, files), indent=1, ensure_ascii=False)
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, data in ((files.annotated, encoded[0]), (files.raw, encoded[1]), (files.sidecar, document + "\n")):
            write_atomically(path, data)
            written.append(path)
    except OSError as exc:
        if files is not replacing:
            for path in written:  # a snapshot is whole or absent (one being replaced keeps its whole files)
                path.unlink(missing_ok=True)
        raise SnapshotError(f"Cannot save a snapshot in {folder}: {exc.strerror or exc}.") from None
    return files


def _free_names(folder: Path, stem: str) -> SnapshotFiles:
    """Names not yet taken (two snapshots in the same millisecond get -2, -3 …)."""
    for n in range(1, 1000):
        base = stem if n == 1 else f"{stem}-{n}"
        files = SnapshotFiles(folder / f"{base}.jpg", folder / f"{base}.raw.jpg", folder / f"{base}.json")
        if not any(p.exists() for p in (files.annotated, files.raw, files.sidecar)):
            return files
    raise SnapshotError(f"Too many snapshots named {stem} in {folder}.")
