"""``classify --annotate DIR``: a copy of each photo with its boxes and labels drawn by the window's overlay.

The copies mirror the input folders (``DIR/cam1/IMG_0001.JPG`` for ``ARCHIVE/cam1/IMG_0001.JPG``), so a person can
browse them beside the originals, as AddaxAI users do. Each is written atomically, before the photo's record
goes into the checkpoint: a resumed run never leaves half a copy, and skips the copies of photos already done.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path

import cv2

from livespecies.atomic import READ_ONLY_ERRORS, why_not_writable, write_atomically
from livespecies.batch.job import Afterwards
from livespecies.capture.image_file import DecodedImage
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


def annotator(folder: Path, inputs: Sequence[Path], resumable: bool) -> Afterwards:
    """The step that writes each photo's annotated copy under ``folder``, once ``folder`` is known to be writable: a
    read-only one is named before any work, not at the first photo. ``resumable``: the run keeps a checkpoint
    (``--output``), so a copy that fails later can be resumed."""
    if reason := why_not_writable(folder):
        raise AnnotationError(f"Cannot write annotated copies to {folder}: {reason}; give --annotate a folder you can write to.")

    def afterwards(path: Path, image: DecodedImage, result: Result) -> None:
        write_annotated(image.pixels, result, copy_path(path, inputs, folder), resumable)

    return afterwards


def write_annotated(pixels: Pixels, result: Result, target: Path, resumable: bool = False) -> None:
    drawn = draw_overlay(pixels, overlay_items(result))
    extension = target.suffix.lower()
    quality = [cv2.IMWRITE_JPEG_QUALITY, 90] if extension in (".jpg", ".jpeg") else [cv2.IMWRITE_WEBP_QUALITY, 90] if extension == ".webp" else []
    ok, encoded = cv2.imencode(extension, drawn, quality)
    if not ok:
        raise AnnotationError(f"Cannot encode the annotated copy {target}.")
    try:
        write_atomically(target, encoded.tobytes())
    except OSError as exc:
        fix = "make it writable" if exc.errno in READ_ONLY_ERRORS else "make room" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "fix that"
        problem = f"Cannot write the annotated copy {target} ({exc.strerror or exc})"
        if resumable:  # the checkpoint holds every photo before this one
            raise AnnotationError(f"{problem}; the results so far are kept: {fix} and run the same command with --resume.") from None
        raise AnnotationError(f"{problem}: {fix} and run again.") from None
