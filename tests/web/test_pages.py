"""The pages and the JSON API on a real database and real snapshots: what each shows and in which order, text
escaped everywhere, no password anywhere, filters like SightingQuery's, bad input as one sentence, and a database
that appears or changes while the page runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.records import SightingRecord
from livespecies.web import create_app
from tests.web.site import EVIL_LABEL, GARDEN, GATE, HOUR, NOW, PASSWORD, SHED, SampleSite, visit
from tests.web.site import HEN as HEN_LINEAGE

EVERYTHING = ["/", "/species", "/species?day=2026-05-16", "/cameras", "/summary", "/summary?day=2026-05-16", "/sighting/s-bear",
              "/sighting/s-evil", "/sighting/s-stray", "/api/sightings", "/api/cameras", "/summary?day=<b>x</b>"]  # fmt: skip


def cards(html: str) -> list[str]:
    return re.findall(r'<a class="card sighting" href="/sighting/([^"]+)"', html)


def test_today_shows_todays_sightings_newest_first_with_thumbnails_and_refreshes(client: TestClient, site: SampleSite) -> None:
    html = client.get("/").text
    assert cards(html) == ["s-evil", "s-hen2", "s-hen1", "s-ursus", "s-stray", "s-bear"]  # not yesterday's giraffe
    assert "Today, 2026-05-17: 6 sightings" in html and '<meta http-equiv="refresh" content="10">' in html
    for name in ("bear", "hen1", "hen2", "evil"):
        assert f'src="/thumbs/{site.image(name)}"' in html
    assert html.count('<div class="noimg">no snapshot</div>') == 2  # Ursus has none; the stray one lies outside the folder
    assert "08:00:00 – 08:01:35" in html and "still in view" in html


@pytest.mark.parametrize("path", EVERYTHING)
def test_user_text_is_escaped_and_no_password_appears(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 400), path
    assert PASSWORD not in response.text and "hunter2" not in response.text
    assert "<b>pond</b>" not in response.text and EVIL_LABEL not in response.text and "<b>x</b>" not in response.text
    if not path.startswith("/api/"):
        assert "<script" not in response.text


def test_markup_in_names_shows_as_text(client: TestClient) -> None:
    assert "garden &lt;b&gt;pond&lt;/b&gt;" in client.get("/cameras").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/").text


def species_rows(html: str) -> dict[str, int]:
    rows = re.findall(r'<tr class="species">.*?<span class="label">(.*?)</span>.*?<td class="num count">(\d+)</td>', html, re.S)
    return {label: int(count) for label, count in rows}


def test_species_groups_count_sightings_of_every_day_or_of_one(client: TestClient) -> None:
    every = client.get("/species").text
    assert species_rows(every) == {"Domestic Chicken": 3, "&lt;img src=x onerror=alert(1)&gt;": 2, "polar bear": 1, "Ursus": 1}
    assert next(iter(species_rows(every))) == "Domestic Chicken"  # most seen first
    assert "of every recorded day: 4 taxa in 7 sightings" in every
    assert species_rows(client.get("/species?day=2026-05-16").text) == {"even-toed ungulate": 1}


def test_cameras_show_live_state_statistics_and_their_sightings(client: TestClient) -> None:
    html = client.get("/cameras").text
    names = re.findall(r'<span class="camera-name">(.*?)</span> <span class="badge (\w+) state">(.*?)</span>', html)
    refused = "refused: nothing listens on 10.0.0.5:554 (rtsp://ranger:***@10.0.0.5/live)"
    assert names == [("garden &lt;b&gt;pond&lt;/b&gt;", "ok", "live"), (GATE, "warn", f"reconnecting in 4 s ({refused})"),
                     ("shed", "bad", "failed: wrong user or password")]  # fmt: skip
    garden, gate, shed = html.split('<section class="panel camera-panel">')[1:]
    stats = dict(re.findall(r'<tr><th>(.*?)</th><td class="num">(.*?)</td></tr>', garden))
    assert stats == {"Frames in": "12.0/s", "Frames recognised": "4.5/s", "Frames received": "5000", "Frames recognised in all": "1200",
                     "Frames skipped, recogniser busy": "37", "Frames skipped, nothing moved": "3763", "Share of frames without motion": "76%",
                     "Lag": "0.12 s", "Reconnects in the last hour": "0", "Last sighting": "Domestic Chicken",
                     "Last sighting at": "2026-05-17 11:00:20", "Last error": "–"}  # fmt: skip
    assert cards(garden) == ["s-hen2", "s-hen1", "s-bear"] and "Today: 3 sightings" in garden
    assert 'Reconnects in the last hour</th><td class="num">3' in gate and f'Last error</th><td class="num">{refused}' in gate
    assert cards(gate) == ["s-evil", "s-ursus", "s-stray"]
    assert 'Frames in</th><td class="num">–' in shed and "Today: 0 sightings" in shed  # NaN reads as no value
    assert 'weird new stat</th><td class="num">7' in shed  # a statistic nobody labelled yet still shows


def test_a_camera_only_the_database_knows_gets_a_panel_without_state(site: SampleSite) -> None:
    client = TestClient(create_app(site.database, site.snapshots, lambda: [], clock=lambda: NOW))
    html = client.get("/cameras").text
    assert html.count('<span class="badge idle state">not watched</span>') == 2
    assert "The watcher does not watch this camera now" in html


def test_daily_summary_per_species_and_per_camera(client: TestClient, site: SampleSite) -> None:
    html = client.get("/summary").text
    assert "Daily summary, 2026-05-17: 6 sightings" in html
    species = html.split('<table class="summary-species">')[1].split("</table>")[0]
    rows = re.findall(r'<span class="label">(.*?)</span>.*?<td class="num">(\d+)</td>\s*<td>([\d:]+)</td>\s*<td>([\d:]+)</td>', species, re.S)
    assert rows[0] == ("Domestic Chicken", "3", "08:30:00", "11:00:20")
    # the best snapshot of the chickens is the most confident one the page can show (the stray 99% one lies outside)
    assert f'href="/sighting/s-hen2"><img src="/thumbs/{site.image("hen2")}"' in species
    assert "s-stray" not in species and species.count("noimg") == 1  # only Ursus, which has no snapshot at all
    cameras = html.split('<table class="summary-cameras">')[1]
    assert re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", cameras) == [
        ("garden &lt;b&gt;pond&lt;/b&gt;", "3", "2"), ("rtsp://ranger:***@10.0.0.5/live", "3", "3")]  # fmt: skip
    yesterday = client.get("/summary?day=2026-05-16").text
    assert "Daily summary, 2026-05-16: 1 sighting" in yesterday and 'href="/summary?day=2026-05-15"' in yesterday


def test_a_bad_day_is_a_400_sentence(client: TestClient) -> None:
    response = client.get("/summary", params={"day": "<b>x</b>"})
    assert response.status_code == 400 and "&#39;&lt;b&gt;x&lt;/b&gt;&#39; is not a day: write it as YYYY-MM-DD" in response.text


def test_sighting_detail(client: TestClient, site: SampleSite) -> None:
    html = client.get("/sighting/s-bear").text
    assert f'<img src="/snapshots/{site.image("bear")}"' in html
    assert site.files["bear"].raw.name in html and 'Ursus maritimus <span class="muted">(species)</span>' in html
    assert "classifier: test@1" in html and "(1 min 35 s)" in html
    assert "No snapshot in the folder this page serves" in client.get("/sighting/s-stray").text
    assert client.get("/sighting/no-such-id").status_code == 404


def api(client: TestClient, **params: str) -> Any:
    response = client.get("/api/sightings", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({}, ["s-evil", "s-hen2", "s-hen1", "s-ursus", "s-stray", "s-bear", "s-yesterday"]),
        ({"camera": GARDEN}, ["s-hen2", "s-hen1", "s-bear", "s-yesterday"]),
        ({"species": "ursus"}, ["s-ursus", "s-bear"]),  # the genus, and the species whose lineage holds it
        ({"min_rank": "species"}, ["s-hen2", "s-hen1", "s-stray", "s-bear"]),
        ({"since": str(NOW - 3 * HOUR), "until": "2026-05-17T11:15:00"}, ["s-hen2", "s-hen1", "s-ursus"]),
        ({"limit": "2"}, ["s-evil", "s-hen2"]),
        ({"camera": "nobody"}, []),
    ],
)
def test_api_sightings_filters_like_the_database(client: TestClient, params: dict[str, str], ids: list[str]) -> None:
    body = api(client, **params)
    assert [s["id"] for s in body["sightings"]] == ids and body["count"] == len(ids)


def test_api_sightings_carry_urls_that_work(client: TestClient) -> None:
    [bear] = [s for s in api(client)["sightings"] if s["id"] == "s-bear"]
    assert bear["label"] == "polar bear" and bear["lineage"][0] == ["species", "Ursus maritimus"] and bear["status"] == "ended"
    for key in ("snapshot_url", "raw_snapshot_url", "thumbnail_url", "page_url"):
        assert client.get(bear[key]).status_code == 200, key
    [stray] = [s for s in api(client)["sightings"] if s["id"] == "s-stray"]
    assert stray["snapshot_url"] is None and stray["thumbnail_url"] is None


@pytest.mark.parametrize(
    ("query", "message"), [("specis=fox", "Unknown filter 'specis'"), ("limit=0", "limit='0'"), ("min_rank=size", "Unknown rank")]
)
def test_api_bad_filters_are_400_json_sentences(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/api/sightings?{query}")
    assert response.status_code == 400 and message in response.json()["error"]


def test_api_cameras(client: TestClient) -> None:
    cameras = {c["name"]: c for c in client.get("/api/cameras").json()["cameras"]}
    assert list(cameras) == [GARDEN, GATE, SHED]
    assert cameras[GARDEN]["state"]["fps_in"] == 12.0 and cameras[GARDEN]["sightings_today"] == 3
    assert cameras[GARDEN]["last_sighting"]["id"] == "s-hen2"
    assert cameras[GATE]["state"]["last_error"].endswith("(rtsp://ranger:***@10.0.0.5/live)")
    assert cameras[GATE]["state"]["state"].startswith("reconnecting in 4 s (refused")
    assert cameras[SHED]["state"]["fps_in"] is None and cameras[SHED]["last_sighting"] is None  # NaN is not JSON


def test_pages_before_the_database_exists_and_after_it_is_written(tmp_path: Path, photos: Path) -> None:
    """The watcher may start the page before its first sighting creates the database, then keep writing."""
    path = tmp_path / "later.db"
    client = TestClient(create_app(path, tmp_path, lambda: [{"name": "cam", "state": "live"}], clock=lambda: NOW))
    assert "No sightings yet today" in client.get("/").text and api(client)["count"] == 0
    assert client.get("/cameras").status_code == 200 and client.get("/summary").status_code == 200
    writer = SightingDatabase(path)
    hen = visit(HEN_LINEAGE, "Domestic Chicken", NOW - 60, NOW - 60, 0.9)
    writer.record(SightingRecord("new", "cam", "started", hen, None))
    assert cards(client.get("/").text) == ["new"]
    writer.record(SightingRecord("newer", "cam", "started", visit(HEN_LINEAGE, "hen", NOW - 30, NOW - 30, 0.9), None))
    assert cards(client.get("/").text) == ["newer", "new"]  # the read-only connection sees later writes
    writer.close()


def test_an_unreadable_database_is_a_503_sentence(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not SQLite" * 100)
    client = TestClient(create_app(path, tmp_path, lambda: []))
    page = client.get("/")
    assert page.status_code == 503 and "is not a usable sightings database" in page.text
    assert client.get("/api/sightings").json()["error"].startswith(f"{path} is not a usable sightings database")
