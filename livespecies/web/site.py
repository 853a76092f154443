"""What every handler of the page shares: the store, the snapshot folder, the watcher's camera states, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from starlette.templating import Jinja2Templates

from livespecies.sightings.database import SightingQuery, StoredSighting
from livespecies.web.files import snapshot_url, thumbnail_url
from livespecies.web.store import SightingStore
from livespecies.web.summaries import day_bounds, local_day

CameraStates = Callable[[], list[dict[str, object]]]


@dataclass(frozen=True)
class Site:
    store: SightingStore
    snapshot_root: Path
    camera_states: CameraStates
    clock: Callable[[], float]  # wall time; a test hands in a fixed one so "today" does not depend on when it runs
    templates: Jinja2Templates

    def today(self) -> date:
        return local_day(self.clock())

    def day_sightings(self, day: date, camera: str | None = None) -> list[StoredSighting]:
        """Sightings that overlap the local day, newest first (one that ran over midnight belongs to both days)."""
        since, until = day_bounds(day)
        return self.store.query(SightingQuery(camera=camera, since=since, until=until))

    def snapshot_url(self, stored: str | None) -> str | None:
        return snapshot_url(self.snapshot_root, stored)

    def thumbnail_url(self, stored: str | None) -> str | None:
        return thumbnail_url(self.snapshot_root, stored)

    def viewable(self, sighting: StoredSighting) -> bool:
        """Whether the page can show this sighting's snapshot (it exists and lies in the served folder)."""
        return self.thumbnail_url(sighting.snapshot) is not None
