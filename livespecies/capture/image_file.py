"""Decoding one photo from disk into upright BGR pixels we can trust, or one sentence saying why not.

Camera-trap archives contain everything: zero-byte files from full cards,
half-copied JPEGs, CMYK scans, 16-bit TIFFs, infrared greyscale frames,
phone photos that are only upright after their EXIF rotation, and the odd
decompression bomb. Each becomes either pixels or an ``ImageError``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from livespecies.capture.image_header import read_header

# OpenCV's own backstop against huge images; must be set before cv2 is imported to apply everywhere.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(1 << 28))

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.errors import ImageError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".pgm", ".ppm", ".pnm"})
DEFAULT_MAX_PIXELS = 150_000_000  # a 150-megapixel frame is 450 MB decoded; beyond that, refuse
_REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """Upright BGR uint8 pixels and the size of the upright original (which ``pixels`` may be a reduction of)."""

    pixels: npt.NDArray[np.uint8]
    width: int
    height: int
    format: str


def reduction_for(width: int | None, height: int | None, format: str, target_long_side: int | None) -> int:
    """The largest JPEG DCT reduction (1, 2, 4, 8) that keeps the long side at or above the target.

    Decoding a 24-megapixel trail-camera JPEG at half size is about three times
    faster and still leaves the classifier far more pixels than its 224 input.
    """
    if format != "jpeg" or not target_long_side or not width or not height:
        return 1
    long_side = max(width, height)
    factor = 1
    for candidate in (2, 4, 8):
        if long_side / candidate >= target_long_side:
            factor = candidate
    return factor


def decode_image(
    data: bytes,
    name: str,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    target_long_side: int | None = None,
) -> DecodedImage:
    if not data:
        raise ImageError(f"{name} is empty (0 bytes).")
    header = read_header(data)
    if header is None:
        raise ImageError(f"{name} is not an image in a format livespecies reads (JPEG, PNG, WebP, BMP, TIFF, GIF, PNM).")
    if header.width is not None and header.height is not None:
        if header.width == 0 or header.height == 0:
            raise ImageError(f"{name} declares an empty image ({header.width}×{header.height} pixels).")
        if header.width * header.height > max_pixels:
            raise ImageError(
                f"{name} is {header.width}×{header.height} pixels, over the {max_pixels / 1e6:.0f}-megapixel limit; "
                "refusing to decode it."
            )
    if header.format == "jpeg" and b"\xff\xd9" not in data[-65536:]:
        # libjpeg fills a cut-off JPEG with grey and only warns: the file would look decoded.
        raise ImageError(f"{name} is a truncated JPEG (no end-of-image marker); the file was cut off while copying.")
    factor = reduction_for(header.width, header.height, header.format, target_long_side)
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        # IMREAD_COLOR: 8-bit, 3 channels (greyscale, 16-bit and CMYK are converted) and EXIF orientation applied.
        pixels = cv2.imdecode(buffer, _REDUCED[factor] if factor > 1 else cv2.IMREAD_COLOR)
    except cv2.error:
        pixels = None
    if pixels is None or pixels.size == 0:
        raise ImageError(f"{name} is corrupt or truncated and could not be decoded.")
    height, width = pixels.shape[:2]
    if factor > 1:
        # Report the upright original size; EXIF rotation may have swapped the header's sides.
        assert header.width and header.height
        rotated = (width > height) != (header.width > header.height)
        width, height = (header.height, header.width) if rotated else (header.width, header.height)
    return DecodedImage(pixels=np.ascontiguousarray(pixels), width=width, height=height, format=header.format)


def load_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS, target_long_side: int | None = None) -> DecodedImage:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise ImageError(f"{path} is a folder, not an image.") from None
    except OSError as exc:
        raise ImageError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    return decode_image(data, str(path), max_pixels, target_long_side)
