"""Snapshot images, served only from inside the snapshot folder, and small thumbnails of them.

A path from a URL is trusted only after it has been resolved (symlinks
followed) and found inside the resolved snapshot folder: ``..``, absolute
paths, encoded traversals (Starlette hands the route the percent-decoded path,
so ``%2e%2e%2f`` arrives as ``../``) and symlinks that lead out all end as 404,
the same answer as a file that does not exist, so nothing outside can be probed.
Only image files are served: the folder may also hold the database or a
training set, which the page has no business handing out.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import cv2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
THUMBNAIL_WIDTH = 360  # two columns of cards on a phone, four on a laptop, sharp on a 2× screen at ~180 css px


def resolve_inside(root: Path, requested: str) -> Path | None:
    """The real file ``requested`` (a relative URL path) names inside ``root``, or None when it is not one we serve."""
    if not requested or "\x00" in requested or "\\" in requested:
        return None
    relative = PurePosixPath(requested)
    if relative.is_absolute() or any(part.startswith(".") for part in relative.parts):  # "..", ".", hidden files
        return None
    if relative.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    try:
        real_root = root.resolve(strict=True)
        candidate = (real_root / relative).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    if not candidate.is_relative_to(real_root) or not candidate.is_file():
        return None
    return candidate


def media_path(root: Path, stored: str | None) -> str | None:
    """The URL path (below /snapshots/ or /thumbs/) of a snapshot the database names, or None when it lies outside
    the folder the page serves (so the page shows no broken image for it)."""
    if not stored:
        return None
    try:
        relative = Path(stored).resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return None
    return quote(relative.as_posix())


def snapshot_url(root: Path, stored: str | None) -> str | None:
    path = media_path(root, stored)
    return f"/snapshots/{path}" if path else None


def thumbnail_url(root: Path, stored: str | None) -> str | None:
    path = media_path(root, stored)
    return f"/thumbs/{path}" if path else None


def _etag(stat: os.stat_result, variant: str) -> str:
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}-{variant}"'


def _unchanged(request: Request, etag: str) -> bool:
    # Snapshots are replaced in place by better frames, so the browser revalidates on every refresh (no-cache) and
    # gets a 304 unless the file changed; the ETag carries the file's mtime and size.
    offered = request.headers.get("if-none-match", "")
    return etag in (tag.strip().removeprefix("W/") for tag in offered.split(","))


@lru_cache(maxsize=512)
def thumbnail(path: Path, mtime_ns: int, width: int) -> bytes | None:
    """A JPEG at most ``width`` wide (never enlarged); None if the file is not an image. Keyed on the mtime so a
    replaced snapshot gets a new thumbnail; ~20 kB each, so the cache stays around 10 MB."""
    del mtime_ns  # only part of the cache key
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if pixels is None:
        return None
    height, current = pixels.shape[:2]
    if current > width:
        pixels = cv2.resize(pixels, (width, max(1, round(height * width / current))), interpolation=cv2.INTER_AREA)
    ok, buffer = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buffer.tobytes() if ok else None


class SnapshotRoutes:
    """The two file routes, bound to one snapshot folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def routes(self) -> list[Route]:
        return [
            Route("/snapshots/{path:path}", self.snapshot, methods=["GET"]),
            Route("/thumbs/{path:path}", self.thumb, methods=["GET"]),
        ]

    def _file(self, request: Request) -> tuple[Path, os.stat_result]:
        path = resolve_inside(self.root, str(request.path_params["path"]))
        if path is None:
            raise HTTPException(404)
        return path, path.stat()

    def snapshot(self, request: Request) -> Response:
        path, stat = self._file(request)
        etag = _etag(stat, "full")
        headers = {"etag": etag, "cache-control": "no-cache"}
        if _unchanged(request, etag):
            return Response(status_code=304, headers=headers)
        response = FileResponse(path, stat_result=stat, headers=headers)
        response.headers["etag"] = etag  # FileResponse sets its own from the stat; keep the one _unchanged compares
        return response

    def thumb(self, request: Request) -> Response:
        path, stat = self._file(request)
        etag = _etag(stat, f"w{THUMBNAIL_WIDTH}")
        headers = {"etag": etag, "cache-control": "no-cache"}
        if _unchanged(request, etag):
            return Response(status_code=304, headers=headers)
        data = thumbnail(path, stat.st_mtime_ns, THUMBNAIL_WIDTH)
        if data is None:
            raise HTTPException(404)
        return Response(data, media_type="image/jpeg", headers=headers)
