"""``classify --annotate DIR``: a copy of each photo with its boxes and labels drawn by the window's overlay.

The copies mirror the input folders (``DIR/cam1/IMG_0001.JPG`` for ``ARCHIVE/cam1/IMG_0001.JPG``), so a person can
browse them beside the originals, as AddaxAI users do. Each is written atomically, before the photo's record
goes into the checkpoint: a resumed run never leaves half a copy, and skips the copies of photos already done.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2

from livespecies.atomic import write_atomically
from livespecies.errors import UserError
from livespecies.overlay.draw import Pixels, draw_overlay, overlay_items
from livespecies.types import Result

# Formats the copy keeps; anything else (GIF, PNM, TIFF) is written as JPEG beside the name (IMG.gif.jpg).
KEPT = {".jpg": ".jpg", ".jpeg": ".jpeg", ".png": ".png", ".webp": ".webp", ".bmp": ".bmp"}


class AnnotationError(UserError):
    """An annotated copy could not be written (full or read-only disk): the run stops, the checkpoint keeps the rest."""


def copy_path(path: Path, inputs: Sequence[Path], folder: Path) -> Path:
    """Where the copy of ``path`` goes: its place under the input folder it was found in, mirrored under ``folder``."""
    resolved = path.resolve()
    for given in inputs:
        if given.is_dir():
            try:
                relative = resolved.relative_to(given.resolve())
            except ValueError:
                continue
            target = folder / given.resolve().name / relative if len([g for g in inputs if g.is_dir()]) > 1 else folder / relative
            break
    else:
        target = folder / path.name
    suffix = KEPT.get(target.suffix.lower())
    return target if suffix else target.with_name(target.name + ".jpg")


def write_annotated(pixels: Pixels, result: Result, target: Path) -> None:
    drawn = draw_overlay(pixels, overlay_items(result))
    extension = target.suffix.lower()
    quality = [cv2.IMWRITE_JPEG_QUALITY, 90] if extension in (".jpg", ".jpeg") else [cv2.IMWRITE_WEBP_QUALITY, 90] if extension == ".webp" else []
    ok, encoded = cv2.imencode(extension, drawn, quality)
    if not ok:
        raise AnnotationError(f"Cannot encode the annotated copy {target}.")
    try:
        write_atomically(target, encoded.tobytes())
    except OSError as exc:
        raise AnnotationError(f"Cannot write the annotated copy {target} ({exc.strerror or exc}); the results so far are kept: "
                              "make room and run again with --resume.") from None  # fmt: skip
