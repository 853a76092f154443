"""Which files a ``classify`` run covers: images named directly, and images found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from livespecies.batch.clips import VIDEO_EXTENSIONS
from livespecies.capture.image_file import IMAGE_EXTENSIONS

MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS


def find_images(paths: Iterable[Path]) -> Iterator[Path]:
    """Files given by name are taken as they are (a wrong one is reported, not skipped);
    folders are walked recursively in sorted order and yield only image and video-clip extensions.
    Hidden files and folders (".thumbnails", "._IMG_0001.JPG" from macOS) are skipped."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in MEDIA_EXTENSIONS:
                        yield Path(root) / name
        else:
            yield path
