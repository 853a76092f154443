"""The JSON API: sightings with the database's own filters, and the cameras with their live state."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from livespecies.redaction import redact_text
from livespecies.sightings.database import SightingQuery, StoredSighting
from livespecies.web.filters import query_from_params
from livespecies.web.site import Site
from livespecies.web.summaries import merge_cameras


def plain(value: object) -> object:
    """A JSON-safe copy of a camera state: strings redacted (``redact_text``), NaN and infinities as null, anything
    else as text, so a watcher that reports an odd value never breaks the API nor leaks a password."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return redact_text(str(value))


class StrictJSON(JSONResponse):
    """JSON with <, > and & as \\u escapes (as Go's encoder does): the same data, but a camera name holding markup
    stays inert even in a client that pastes the text into HTML."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


class Api:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[Route]:
        return [
            Route("/api/sightings", self.sightings, methods=["GET"]),
            Route("/api/cameras", self.cameras, methods=["GET"]),
        ]

    def _sighting(self, s: StoredSighting) -> dict[str, object]:
        return s.as_dict() | {
            "page_url": f"/sighting/{s.id}",
            "snapshot_url": self.site.snapshot_url(s.snapshot),
            "raw_snapshot_url": self.site.snapshot_url(s.raw_snapshot),
            "thumbnail_url": self.site.thumbnail_url(s.snapshot),
        }

    def sightings(self, request: Request) -> Response:
        query = query_from_params(request.query_params)
        rows = self.site.store.query(query)
        return StrictJSON({"count": len(rows), "sightings": [plain(self._sighting(s)) for s in rows]})

    def cameras(self, request: Request) -> Response:
        today = self.site.day_sightings(self.site.today())
        cameras = []
        for name, state in merge_cameras(self.site.camera_states(), self.site.store.cameras()):
            last = next(iter(self.site.store.query(SightingQuery(camera=name, limit=1))), None)
            cameras.append({
                "name": name,
                "watched": state is not None,
                "state": plain(state),
                "sightings_today": sum(1 for s in today if s.camera == name),
                "last_sighting": self._sighting(last) if last else None,
            })  # fmt: skip
        return StrictJSON({"cameras": plain(cameras)})
