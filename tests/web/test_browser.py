"""The page in a real browser (Debian's chromium driven by Playwright) against the app served by uvicorn on
loopback: thumbnails really decode, the species and camera pages show what they should, markup in user text never
runs, the page refreshes itself and then shows a sighting written meanwhile, and no request leaves 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.records import SightingRecord
from livespecies.web import WebServer, create_app, serve
from tests.web.site import GATE, HEN, NOW, build_site, visit

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is missing (apt-get install chromium); Playwright cannot download a browser here"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        yield browser
        browser.close()


class Watched:
    """A page with every request, console error and dialog it causes recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: self.problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"dialog: {dialog.message}")  # an alert() means injected markup ran
        dialog.dismiss()

    def images(self) -> list[tuple[str, int]]:
        """Every image on the page once all have finished loading, as (src, naturalWidth); 0 means it did not decode."""
        self.page.wait_for_function("() => [...document.images].every(image => image.complete)")
        return [
            (src, int(width)) for src, width in self.page.eval_on_selector_all("img", "all => all.map(i => [i.getAttribute('src'), i.naturalWidth])")
        ]


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 2200})
    yield Watched(context.new_page())
    context.close()


def test_the_page_in_a_real_browser(live: WebServer, watched: Watched) -> None:
    page = watched.page
    page.goto(live.url + "/")
    images = watched.images()
    assert len(images) == 4 and all(src.startswith("/thumbs/") and width == 360 for src, width in images), images
    cards = page.locator("a.card.sighting")
    assert cards.count() == 6
    assert cards.first.locator(".label").inner_text() == "<img src=x onerror=alert(1)>"  # shown as text, not as an element
    assert page.locator(".camera", has_text="garden <b>pond</b>").count() == 3

    page.click("nav >> text=Species")
    page.wait_for_url("**/species")
    chickens = page.locator("tr.species", has_text="Domestic Chicken")
    assert chickens.locator("td.count").inner_text() == "3"
    assert all(width > 0 for _, width in watched.images())

    page.click("nav >> text=Cameras")
    page.wait_for_url("**/cameras")
    gate = page.locator("section.camera-panel", has=page.locator(".camera-name", has_text=GATE))
    assert gate.locator(".badge").inner_text().startswith("reconnecting in 4 s (refused: nothing listens on 10.0.0.5:554")
    assert "badge warn" in (gate.locator(".badge").get_attribute("class") or "")
    assert gate.locator("tr", has_text="Reconnects in the last hour").locator("td").inner_text() == "3"
    assert "hunter2" not in page.content()

    page.click("nav >> text=Daily summary")
    page.wait_for_url("**/summary")
    page.fill("input[name=day]", "2026-05-16")
    page.click("button[type=submit]")
    page.wait_for_url("**/summary?day=2026-05-16")
    assert page.locator("h1").inner_text() == "Daily summary, 2026-05-16: 1 sighting"

    page.goto(live.url + "/sighting/s-bear")
    [(src, width)] = watched.images()
    assert src.startswith("/snapshots/") and width == 1024  # the full annotated snapshot

    hosts = {urlsplit(url).hostname for url in watched.requests}
    assert hosts == {"127.0.0.1"}, watched.requests
    assert all(url.startswith(live.url + "/") for url in watched.requests)
    assert watched.problems == []  # no script ran, nothing was blocked by the policy, nothing failed to load


def test_today_refreshes_itself_and_shows_a_new_sighting(watched: Watched, tmp_path: Path, photos: Path) -> None:
    site = build_site(tmp_path, photos)  # its own site: this test writes to the database
    server = serve(create_app(site.database, site.snapshots, site.camera_states, clock=lambda: NOW), "127.0.0.1", 0, None)
    server.start()
    database = SightingDatabase(site.database)
    try:
        page = watched.page
        page.goto(server.url + "/")
        assert page.locator("a.card.sighting").count() == 6
        database.record(SightingRecord("s-late", GATE, "started", visit(HEN, "late hen", NOW - 60, NOW - 60, 0.9), None))
        with page.expect_navigation(timeout=30_000):  # the page's own refresh, ~10 s; nothing here reloads it
            pass
        assert page.locator("a.card.sighting").first.locator(".label").inner_text() == "late hen"
        assert page.locator("a.card.sighting").count() == 7
    finally:
        database.close()
        server.stop()
    assert watched.problems == []
