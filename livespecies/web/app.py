"""The read-only web page of the headless watcher, as a Starlette app: pages, JSON API, snapshot files.

Everything is GET (Starlette answers 405 to other methods) and nothing on the
page comes from another host: templates, CSS and thumbnails are served by the
app, and the Content-Security-Policy tells the browser to load nothing else.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from livespecies.errors import UserError
from livespecies.web import files, formatting
from livespecies.web.access import SecurityHeaders, TokenGate, check_token
from livespecies.web.api import Api, StrictJSON
from livespecies.web.files import SnapshotRoutes
from livespecies.web.pages import Pages
from livespecies.web.site import CameraStates, Site
from livespecies.web.store import DatabaseUnavailable, SightingStore

TEMPLATES = Path(__file__).with_name("templates")


def templates(snapshot_root: Path) -> Jinja2Templates:
    # Autoescape everything: camera names and labels are user data. StrictUndefined: a misspelt name in a template
    # fails the tests instead of rendering as an empty string.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(clock=formatting.clock, moment=formatting.moment, percent=formatting.percent, duration=formatting.duration)
    env.globals.update(snapshot_url=partial(files.snapshot_url, snapshot_root), thumbnail_url=partial(files.thumbnail_url, snapshot_root))
    return Jinja2Templates(env=env)


def create_app(
    database_path: Path,
    snapshot_root: Path,
    camera_states: CameraStates,
    token: str | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The app; ``camera_states`` is called on each request for the watcher's live states (a list of dicts with at
    least ``name`` and ``state``). With a ``token``, every request must carry it (see :mod:`.access`)."""
    token = check_token(token)
    site = Site(SightingStore(database_path), snapshot_root, camera_states, clock, templates(snapshot_root))
    middleware = [Middleware(SecurityHeaders)]
    if token is not None:
        middleware.append(Middleware(TokenGate, token=token))
    icon = (TEMPLATES / "favicon.svg").read_bytes()

    def favicon(request: Request) -> Response:  # a fresh response each time: middleware edits a response's headers in place
        return Response(icon, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})

    app = Starlette(
        routes=[
            *Pages(site).routes(),
            *Api(site).routes(),
            *SnapshotRoutes(snapshot_root).routes(),
            # served, not inline: the policy allows images from this server only
            Route("/favicon.svg", favicon, methods=["GET"]),
        ],
        middleware=middleware,
        exception_handlers={UserError: _user_error},
        lifespan=partial(_lifespan, site),
    )
    app.state.token = token  # serve() checks that an app bound beyond loopback really asks for the token it was given
    app.state.site = site
    return app


@asynccontextmanager
async def _lifespan(site: Site, app: Starlette) -> AsyncIterator[None]:
    yield
    site.store.close()  # the read-only connection goes with the server, not at interpreter exit


async def _user_error(request: Request, exc: Exception) -> Response:
    """A bad day or filter is the reader's to fix (400); an unreadable database is the server's state (503)."""
    status = 503 if isinstance(exc, DatabaseUnavailable) else 400
    if request.url.path.startswith("/api/"):
        return StrictJSON({"error": str(exc)}, status_code=status)
    site: Site = request.app.state.site
    return site.templates.TemplateResponse(request, "error.html", {"refresh": None, "message": str(exc)}, status_code=status)
