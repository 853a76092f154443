"""One output record per input image, and its JSON shape (shared by every output format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livespecies.serialization import prediction_to_dict
from livespecies.types import Result


@dataclass(frozen=True)
class ImageRecord:
    path: Path
    result: Result | None
    error: str | None

    @property
    def failed(self) -> bool:
        return self.error is not None


def record_to_dict(record: ImageRecord) -> dict[str, Any]:
    """The ``--json`` line for one image (documented in the README)."""
    result = record.result
    return {
        "path": str(record.path),
        "width": result.width if result else None,
        "height": result.height if result else None,
        "predictions": [prediction_to_dict(p) for p in result.predictions] if result else [],
        "mode": result.mode if result else None,
        "error": record.error,
    }
