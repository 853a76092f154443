"""Which files a ``classify`` run covers: images named directly, and images found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from livespecies.batch.clips import VIDEO_EXTENSIONS
from livespecies.capture.image_file import IMAGE_EXTENSIONS
from livespecies.errors import UserError

MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS


def find_images(paths: Iterable[Path]) -> Iterator[Path]:
    """The files of ``walk``, once every path given is known to exist. A path that does not exist (a typo, a card that
    is not mounted) stops the run at once, before any work, rather than becoming a failed row in a finished run."""
    given = list(paths)
    check_paths_exist(given)
    return walk(given)


def check_paths_exist(paths: Sequence[Path]) -> None:
    missing = [path for path in paths if not path.exists()]
    if not missing:
        return
    named = ", ".join(f"{path} (a link to {os.readlink(path)})" if path.is_symlink() else str(path) for path in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    verb, what = ("does", "path") if len(missing) == 1 else ("do", "paths")
    raise UserError(f"{named}{more} {verb} not exist: check the {what} and run again.")


def walk(paths: Iterable[Path]) -> Iterator[Path]:
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
