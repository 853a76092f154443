"""The HTML pages: today, species, cameras, a day's summary, one sighting. Handlers fetch and render; the
grouping and counting they show are the pure functions of :mod:`livespecies.web.summaries`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from livespecies.sightings.database import SightingQuery, StoredSighting
from livespecies.web.formatting import badge, state_rows
from livespecies.web.site import Site
from livespecies.web.summaries import day_summary, group_by_species, merge_cameras, parse_day

REFRESH_SECONDS = 10  # new sightings and camera states show up without touching the page
TODAY_CARDS = 200  # a busy feeder can log hundreds a day; the rest are in /summary and the API
CAMERA_CARDS = 12


@dataclass(frozen=True)
class CameraPanel:
    name: str
    watched: bool  # the watcher reports a live state for it (else the database alone knows the camera)
    state: str
    state_class: str
    rows: list[tuple[str, str]]
    today: list[StoredSighting]  # the newest of today's, at most CAMERA_CARDS
    today_count: int
    last: StoredSighting | None


class Pages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[Route]:
        return [
            Route("/", self.today, methods=["GET"]),
            Route("/species", self.species, methods=["GET"]),
            Route("/cameras", self.cameras, methods=["GET"]),
            Route("/summary", self.summary, methods=["GET"]),
            Route("/sighting/{sighting_id}", self.sighting, methods=["GET"]),
        ]

    def _render(self, request: Request, name: str, **context: object) -> Response:
        return self.site.templates.TemplateResponse(request, name, {"refresh": None, **context})

    def today(self, request: Request) -> Response:
        day = self.site.today()
        sightings = self.site.day_sightings(day)
        return self._render(request, "today.html", day=day, sightings=sightings[:TODAY_CARDS], total=len(sightings),
                            refresh=REFRESH_SECONDS)  # fmt: skip

    def species(self, request: Request) -> Response:
        text = request.query_params.get("day", "").strip()
        day = parse_day(text) if text else None
        sightings = self.site.day_sightings(day) if day else self.site.store.query()
        return self._render(request, "species.html", day=day, groups=group_by_species(sightings, self.site.viewable), total=len(sightings))

    def cameras(self, request: Request) -> Response:
        today = self.site.day_sightings(self.site.today())
        panels = [self._panel(name, state, today) for name, state in merge_cameras(self.site.camera_states(), self.site.store.cameras())]
        return self._render(request, "cameras.html", panels=panels, refresh=REFRESH_SECONDS)

    def _panel(self, name: str, state: dict[str, object] | None, today: list[StoredSighting]) -> CameraPanel:
        mine = [s for s in today if s.camera == name]
        last = mine[0] if mine else next(iter(self.site.store.query(SightingQuery(camera=name, limit=1))), None)
        if state is None:
            return CameraPanel(name, False, "not watched", "idle", [], mine[:CAMERA_CARDS], len(mine), last)
        text, css = badge(state)
        return CameraPanel(name, True, text, css, state_rows(state), mine[:CAMERA_CARDS], len(mine), last)

    def summary(self, request: Request) -> Response:
        text = request.query_params.get("day", "").strip()
        day = parse_day(text) if text else self.site.today()
        summary = day_summary(day, self.site.day_sightings(day), self.site.viewable)
        return self._render(request, "summary.html", summary=summary, previous=day - timedelta(days=1), next=day + timedelta(days=1))

    def sighting(self, request: Request) -> Response:
        found = self.site.store.get(str(request.path_params["sighting_id"]))
        if found is None:
            raise HTTPException(404, "No sighting with this id.")
        return self._render(request, "sighting.html", s=found)
