"""One output record per input image, and its JSON shape (shared by every output format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livespecies.batch.clips import Clip
from livespecies.serialization import prediction_to_dict
from livespecies.types import Result


@dataclass(frozen=True)
class ImageRecord:
    path: Path
    result: Result | None
    error: str | None
    clip: Clip | None = None  # a video clip: result holds each taxon once, at its best frame

    @property
    def failed(self) -> bool:
        return self.error is not None


def record_to_dict(record: ImageRecord, frames: bool = False) -> dict[str, Any]:
    """The ``--json`` line for one image or clip (documented in the README). A clip's predictions also say when the
    taxon was first and last seen and its best frame; ``frames`` adds every sampled frame's own answer."""
    result = record.result
    data: dict[str, Any] = {
        "path": str(record.path),
        "width": result.width if result else None,
        "height": result.height if result else None,
        "predictions": [prediction_to_dict(p) for p in result.predictions] if result else [],
        "mode": result.mode if result else None,
        "error": record.error,
    }
    clip = record.clip
    if clip is not None:
        for entry, taxon in zip(data["predictions"], clip.taxa, strict=True):
            entry.update(first_seen_s=round(taxon.first_seconds, 3), last_seen_s=round(taxon.last_seconds, 3), best_frame=taxon.best_frame)
        data["clip"] = {"frame_rate": round(clip.frame_rate, 3), "frames_read": clip.frame_count, "frames_sampled": len(clip.frames)}
        if frames:
            data["frames"] = [{"frame": f.index, "seconds": round(f.seconds, 3), "predictions": [prediction_to_dict(p) for p in f.result.predictions]}
                              for f in clip.frames]  # fmt: skip
    return data
