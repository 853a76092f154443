"""Snapshot files leave the server only from inside the snapshot folder: every traversal (literal, percent-encoded,
double-encoded, absolute, backslashed, through symlinks) is a 404 that shows nothing of the file, the database and
sidecars in the folder are never served, and thumbnails are real, smaller JPEGs that revalidate cheaply."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest
from starlette.testclient import TestClient

from livespecies.web.files import THUMBNAIL_WIDTH, media_path, resolve_inside
from livespecies.web.server import WebServer
from tests.web.site import SECRET, SampleSite


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tree")
    root, outside = base / "root", base / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    for path in (root / "a.jpg", root / "sub" / "b.JPG", root / ".hidden.jpg", root / "notes.txt", outside / "secret.jpg"):
        path.write_bytes(b"x")
    (root / "folder.jpg").mkdir()
    os.symlink(root / "a.jpg", root / "link-in.jpg")
    os.symlink(outside / "secret.jpg", root / "link-out.jpg")
    os.symlink("../outside/secret.jpg", root / "relative-out.jpg")
    os.symlink(outside, root / "dir-out")
    os.symlink(root / "loop.jpg", root / "loop.jpg")
    return base


@pytest.mark.parametrize(
    ("requested", "served"),
    [
        ("a.jpg", "root/a.jpg"),
        ("sub/b.JPG", "root/sub/b.JPG"),
        ("link-in.jpg", "root/a.jpg"),  # a symlink that stays inside is fine
        ("sub//b.JPG", "root/sub/b.JPG"),
        ("", None),
        ("missing.jpg", None),
        ("../outside/secret.jpg", None),
        ("sub/../../outside/secret.jpg", None),
        ("sub/../a.jpg", None),  # harmless, but ".." is refused outright rather than reasoned about
        ("./a.jpg", "root/a.jpg"),  # "." is dropped by PurePosixPath: it names the same file
        ("/etc/passwd", None),
        ("//etc/passwd", None),
        ("link-out.jpg", None),
        ("relative-out.jpg", None),
        ("dir-out/secret.jpg", None),
        ("loop.jpg", None),
        ("folder.jpg", None),
        (".hidden.jpg", None),
        ("notes.txt", None),  # not an image
        ("..\\outside\\secret.jpg", None),
        ("a.jpg\x00.txt", None),
        ("%2e%2e/outside/secret.jpg", None),  # already decoded once by the router: a literal name that does not exist
    ],
)
def test_resolve_inside(tree: Path, requested: str, served: str | None) -> None:
    got = resolve_inside(tree / "root", requested)
    assert got == ((tree / served).resolve() if served else None)


def test_media_paths_are_relative_urls_or_none(tree: Path) -> None:
    root = tree / "root"
    assert media_path(root, str(root / "sub" / "b.JPG")) == "sub/b.JPG"
    assert media_path(root, str(tree / "outside" / "secret.jpg")) is None
    assert media_path(root, str(root / "link-out.jpg")) is None
    assert media_path(root, None) is None and media_path(root, "") is None


TRAVERSALS = [
    "../outside/secret.jpg",
    "2026-05-17/../../outside/secret.jpg",
    "%2e%2e/outside/secret.jpg",
    "%2e%2e%2foutside%2fsecret.jpg",
    "%2E%2E%2Foutside%2Fsecret.jpg",
    "..%2foutside%2fsecret.jpg",
    ".%2e/outside/secret.jpg",
    "%252e%252e%252foutside%252fsecret.jpg",  # double-encoded
    "..%5coutside%5csecret.jpg",  # backslashes
    "%c0%ae%c0%ae/outside/secret.jpg",  # overlong UTF-8 dots
    "escape.jpg",  # symlink to the secret file
    "outside-link/secret.jpg",  # symlink to the folder around it
    "sightings.db",  # the database lives in the served folder here
    "sightings.db-wal",
    "2026-05-17/../sightings.db",
    "%00",
    "a.jpg%00.png",
]


def _absolute_requests(site: SampleSite) -> list[str]:
    """Absolute paths to the secret, and ways to a real JPEG outside the folder (which a thumbnail would decode)."""
    stray = site.files["stray"].annotated.name
    secret = str(site.secret).lstrip("/")
    return [
        "/" + secret,
        str(site.secret),
        "%2F" + secret.replace("/", "%2F"),
        f"../outside/{stray}",
        f"%2e%2e%2foutside%2f{stray}",
        f"2026-05-17/..%2f..%2foutside/{stray}",
        str(site.files["stray"].annotated),
    ]


@pytest.mark.parametrize("prefix", ["/snapshots/", "/thumbs/"])
def test_traversals_through_the_app_are_404_and_leak_nothing(client: TestClient, site: SampleSite, prefix: str) -> None:
    for tail in [*TRAVERSALS, *_absolute_requests(site)]:
        response = client.get(prefix + tail)
        assert response.status_code in (400, 404), tail
        assert b"\xff\xd8" not in response.content and SECRET not in response.content and b"SQLite" not in response.content, tail
        assert str(site.secret) not in response.text, tail


def _raw_get(port: int, target: str) -> tuple[int, bytes]:
    """One request sent byte for byte as written (an HTTP client would normalise the dot segments away)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize("prefix", ["/snapshots/", "/thumbs/"])
def test_traversals_over_a_real_socket_are_404_and_leak_nothing(live: WebServer, site: SampleSite, prefix: str) -> None:
    """Literal "../" reaches the server only like this; uvicorn passes the path on unnormalised."""
    for tail in [*TRAVERSALS, *_absolute_requests(site), "../../../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd"]:
        status, data = _raw_get(live.port, prefix + tail)
        assert status in (400, 404), tail
        assert b"\xff\xd8" not in data and SECRET not in data and b"SQLite" not in data and b"root:x:0:0" not in data, tail
    status, data = _raw_get(live.port, f"/snapshots/{site.image('bear')}")  # the same route serves what it should
    assert status == 200 and b"\xff\xd8" in data


def test_snapshots_are_served_as_written(client: TestClient, site: SampleSite) -> None:
    response = client.get(f"/snapshots/{site.image('bear')}")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.content == site.files["bear"].annotated.read_bytes()
    raw = site.files["bear"].raw.relative_to(site.snapshots).as_posix()
    assert client.get(f"/snapshots/{raw}").content == site.files["bear"].raw.read_bytes()
    sidecar = site.files["bear"].sidecar.relative_to(site.snapshots).as_posix()
    assert client.get(f"/snapshots/{sidecar}").status_code == 404  # only images leave the folder


def test_thumbnails_are_smaller_real_jpegs_of_the_snapshot(client: TestClient, site: SampleSite) -> None:
    response = client.get(f"/thumbs/{site.image('evil')}")  # a 1920 × 1080 snapshot
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    thumb = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    full = cv2.imread(str(site.files["evil"].annotated))
    assert thumb is not None and full is not None
    assert thumb.shape == (round(1080 * THUMBNAIL_WIDTH / 1920), THUMBNAIL_WIDTH, 3)
    small = cv2.resize(full, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - thumb.astype(int)).mean() < 6  # the same picture, not some other image
    assert len(response.content) < site.files["evil"].annotated.stat().st_size / 5


def test_a_thumbnail_revalidates_with_304_until_its_snapshot_is_replaced(client: TestClient, site: SampleSite, tmp_path: Path) -> None:
    url = f"/thumbs/{site.image('hen1')}"
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    full = f"/snapshots/{site.image('hen1')}"
    assert client.get(full, headers={"If-None-Match": client.get(full).headers["etag"]}).status_code == 304
    path = site.files["hen1"].annotated
    original = path.read_bytes()
    try:  # a better frame replaces the snapshot in place, as the sightings service does
        pixels = cv2.imread(str(path))
        assert pixels is not None
        flipped = cv2.flip(pixels, 1)
        cv2.imwrite(str(tmp_path / "new.jpg"), flipped)
        os.replace(tmp_path / "new.jpg", path)
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag and changed.content != first.content
    finally:
        path.write_bytes(original)
