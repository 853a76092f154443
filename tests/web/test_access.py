"""Who may read the page: loopback without a token, anything wider only with one (refused before binding); with a
token every request carries it (header, or ?token= then the HttpOnly cookie), else 401; GET only; and every
response tells the browser to load nothing from elsewhere."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from livespecies.errors import UserError
from livespecies.web import create_app, serve
from livespecies.web.access import COOKIE, check_bind, check_token, is_loopback
from tests.web.conftest import TOKEN
from tests.web.site import NOW, SampleSite

PAGES = ["/", "/species", "/cameras", "/summary", "/sighting/s-bear", "/api/sightings", "/api/cameras",
         "/snapshots/escape.jpg", "/thumbs/escape.jpg", "/no-such-page"]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True), ("localhost", True), ("LOCALHOST", True),
     ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.20", False), ("10.0.0.5", False), ("fe80::1", False),
     ("myhost.local", False), ("localhost.evil.example", False)],
)  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.20", "myhost.local"])
def test_serving_beyond_loopback_without_a_token_is_refused_in_one_sentence(host: str) -> None:
    with pytest.raises(UserError, match=r"lets other machines see the cameras: give it a token .* or bind it to 127\.0\.0\.1\.$"):
        check_bind(host, None)
    with pytest.raises(UserError, match="lets other machines see the cameras"):
        check_bind(host, "")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20"])
def test_serve_refuses_before_binding(site: SampleSite, host: str) -> None:
    """The refusal comes from serve() itself, before start() could bind anything (nothing is bound here)."""
    app = create_app(site.database, site.snapshots, site.camera_states)
    with pytest.raises(UserError, match="give it a token"):
        serve(app, host, 0, None)


def test_serve_accepts_a_wide_address_with_the_apps_token_and_checks_they_match(site: SampleSite) -> None:
    app = create_app(site.database, site.snapshots, site.camera_states, TOKEN)
    serve(app, "0.0.0.0", 0, TOKEN)  # built, never started: nothing is bound
    serve(app, "127.0.0.1", 0, None)
    with pytest.raises(ValueError, match="token the app does not check"):
        serve(create_app(site.database, site.snapshots, site.camera_states), "0.0.0.0", 0, TOKEN)


@pytest.mark.parametrize("token", ["short", "with space in it 123", "semi;colon-0123456789", "ünïcödé-0123456789abc", 'quote"0123456789abc'])
def test_tokens_that_cannot_travel_safely_are_refused(token: str) -> None:
    with pytest.raises(UserError, match="at least 16 letters, digits"):
        check_token(token)


@pytest.fixture
def guarded(site: SampleSite) -> TestClient:
    return TestClient(create_app(site.database, site.snapshots, site.camera_states, TOKEN, clock=lambda: NOW))


@pytest.mark.parametrize("path", PAGES)
def test_without_the_token_every_path_is_401_and_shows_nothing(guarded: TestClient, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": f"Basic {TOKEN}"}, {"Cookie": f"{COOKIE}=nope"}):
        response = guarded.get(path, headers=headers)
        assert response.status_code == 401, (path, headers)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "polar bear" not in response.text and b"\xff\xd8" not in response.content
    assert guarded.get(path, params={"token": TOKEN[:-1]}).status_code == 401


def test_the_bearer_header_opens_every_page(guarded: TestClient) -> None:
    for path in PAGES[:7]:
        assert guarded.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200, path


def test_a_token_in_the_url_sets_an_httponly_cookie_that_opens_the_rest(guarded: TestClient, site: SampleSite) -> None:
    first = guarded.get("/", params={"token": TOKEN})
    assert first.status_code == 200 and "polar bear" in first.text
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    thumbnail = guarded.get(f"/thumbs/{site.image('bear')}")
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"  # the cookie alone carries it now
    guarded.cookies.clear()
    assert guarded.get("/species").status_code == 401


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/api/sightings", "/snapshots/2026-05-17/x.jpg", "/sighting/s-bear"])
def test_the_page_is_read_only(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 405


def test_head_works_like_get(client: TestClient) -> None:
    assert client.head("/").status_code == 200


def test_every_response_forbids_loading_anything_from_elsewhere(client: TestClient, guarded: TestClient) -> None:
    for response in (client.get("/"), client.get("/api/sightings"), client.get("/snapshots/../x"), guarded.get("/")):
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "img-src 'self'" in policy and "script-src" not in policy
        assert response.headers["x-content-type-options"] == "nosniff" and response.headers["referrer-policy"] == "no-referrer"
