"""Fixtures of the web tests: one real site per module, and an app or a TestClient over it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.10's TestClient prefers the httpx2 fork and warns once, at import, when it finds httpx 0.28 instead;
    # the client works the same. Remove this once the test extra pins httpx2.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from livespecies.web import WebServer, create_app, serve
from tests.web.site import NOW, SampleSite, build_site

TOKEN = "k3Y-for-the-web-tests_0123456789"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, photos: Path) -> SampleSite:
    return build_site(tmp_path_factory.mktemp("web"), photos)


@pytest.fixture
def app(site: SampleSite) -> Starlette:
    return create_app(site.database, site.snapshots, site.camera_states, clock=lambda: NOW)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def live(site: SampleSite) -> Iterator[WebServer]:
    """The app served for real by uvicorn on a free loopback port, for as long as a module's tests need it."""
    server = serve(create_app(site.database, site.snapshots, site.camera_states, clock=lambda: NOW), "127.0.0.1", 0, None)
    server.start()
    yield server
    server.stop()
