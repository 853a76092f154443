"""Exports of the sightings database: a Camtrap DP 1.0.2 package, MegaDetector batch JSON (for Timelapse), and CSV.

``run.export`` is the one entry point. The pieces every format shares live
here: times as the standards write them, the scientific name of a sighting's
lineage, camera names safe to publish, one folder name per camera, reading a
snapshot's sidecar and putting a snapshot's image into an export.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from livespecies import redaction
from livespecies.sightings.snapshots import SIDECAR_SCHEMA
from livespecies.slugs import slug

FORMATS = ("camtrap-dp", "megadetector", "csv")

# The ranks the taxonomies of this project give a taxon that has no scientific name (WordNet groups such as
# "zebra", dog breeds, ImageNet's hen and cock; a user's label without one is "unranked"): such a name is a
# common name and must never reach a scientificName field.
COMMON_NAME_RANKS = frozenset({"unranked", "breed", "form"})


def utc_iso(seconds: float) -> str:
    """``2024-05-01T06:30:12Z``: whole seconds (Camtrap DP's ``%Y-%m-%dT%H:%M:%S%z``; every field floors alike,
    so an event never ends before it starts)."""
    return datetime.fromtimestamp(int(seconds // 1), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scientific_taxon(lineage: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (rank, name) of a lineage (taxon first) that is a scientific name: a German shepherd is exported as
    *Canis familiaris*, a hen as *Gallus gallus*. None when the lineage holds none."""
    return next(((rank, name) for rank, name in lineage if rank not in COMMON_NAME_RANKS), None)


def public_camera(name: str) -> str:
    """A camera's name with any password in it replaced by ***, user and query kept (``redaction.public_camera``
    says why exports keep them and MQTT does not)."""
    return redaction.public_camera(name, address_only=False)


def camera_folders(cameras: Iterable[str]) -> dict[str, str]:
    """One short, file-name-safe, distinct id per camera ("rtsp://u:***@cam1/live" → "rtsp-u-cam1-live"), in the
    cameras' sorted order so that the same cameras always get the same ids."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for camera in sorted(set(cameras)):
        base = slug(camera, 60) if camera.strip() else "camera"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        ids[camera] = name
        taken.add(name)
    return ids


def read_sidecar(path: str | None) -> dict[str, Any] | None:
    """A snapshot's sidecar, or None when it is gone (retention), unreadable or of another schema: an export then
    carries the sighting without what only the sidecar knows (the frame's time, boxes), rather than failing."""
    if not path:
        return None
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("schema") != SIDECAR_SCHEMA:
        return None
    return document


def place_file(source: Path, target: Path) -> None:
    """Put a snapshot into an export: a hard link where the export is on the same disk (no copy of the images), else
    a copy. A link is safe: snapshots are replaced by renaming a new file over the old name, never rewritten in
    place, so the export keeps the image it was given."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
