"""Snapshots saved by the live window (and examples saved by its teach loop) know where the animal was.

Their JSON sidecar's box is used instead of running the detector again
(``views.py``), and the annotated copy (boxes drawn on it) is never trained on.
"""

from __future__ import annotations

import json
from pathlib import Path

from livespecies.sightings.snapshots import SIDECAR_SCHEMA
from livespecies.types import Box


def sidecar_box(path: Path) -> Box | None:
    """The best box a livespecies snapshot sidecar gives for ``NAME.raw.jpg``."""
    if not path.name.endswith(".raw.jpg"):
        return None
    sidecar = path.with_name(path.name[: -len(".raw.jpg")] + ".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("schema") != SIDECAR_SCHEMA:
        return None
    boxes = [(p["confidence"], p["box"]) for p in data.get("predictions", []) if p.get("box")]
    boxes += [(d.get("detector_confidence") or 0.0, d["box"]) for d in data.get("unidentified", []) if d.get("box")]
    if not boxes:
        return None
    x, y, w, h = max(boxes, key=lambda item: item[0])[1]
    return Box(x, y, w, h)


def sidecar_bytes(path: Path) -> bytes:
    """A snapshot's sidecar is part of what its crop depends on (two sidecars, two boxes, one picture)."""
    if not path.name.endswith(".raw.jpg"):
        return b""
    try:
        return path.with_name(path.name[: -len(".raw.jpg")] + ".json").read_bytes()
    except OSError:
        return b""
