"""Decoding real-world photo files: every bad file becomes one clear sentence, every odd-but-valid file becomes upright BGR."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from livespecies.capture.image_file import decode_image, load_image, reduction_for
from livespecies.capture.image_header import read_header
from livespecies.errors import ImageError

PHOTO = "animals/explore_world_animals-polar_bear.webp"


@pytest.fixture(scope="module")
def bear(photos: Path) -> np.ndarray:
    image = cv2.imread(str(photos / PHOTO))
    assert image is not None
    return image


def jpeg_bytes(image: np.ndarray, quality: int = 92) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buffer.tobytes()


def one_line(exc: pytest.ExceptionInfo[ImageError]) -> str:
    message = str(exc.value)
    assert "\n" not in message and message.endswith(".")
    return message


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageError) as info:
        load_image(tmp_path / "empty.jpg")
    assert "is empty (0 bytes)" in one_line(info)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="does not exist"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="is a folder"):
        load_image(tmp_path)


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("field notes, 3 deer at dawn\n")
    with pytest.raises(ImageError) as info:
        load_image(tmp_path / "notes.jpg")
    assert "is not an image" in one_line(info)


def test_truncated_jpeg(bear: np.ndarray) -> None:
    data = jpeg_bytes(bear)
    with pytest.raises(ImageError) as info:
        decode_image(data[: len(data) // 2], "half.jpg")
    assert "truncated JPEG" in one_line(info)


@pytest.mark.parametrize("ext", [".png", ".webp"])
def test_truncated_png_and_webp(bear: np.ndarray, ext: str) -> None:
    ok, buffer = cv2.imencode(ext, bear)
    data = buffer.tobytes()
    with pytest.raises(ImageError) as info:
        decode_image(data[: len(data) // 3], f"cut{ext}")
    assert "corrupt or truncated" in one_line(info)


def test_corrupt_jpeg_body(bear: np.ndarray) -> None:
    data = bytearray(jpeg_bytes(bear))
    data[600:-2] = bytes(len(data) - 602)  # keep the markers, zero the entropy-coded data and tables
    with pytest.raises(ImageError) as info:
        decode_image(bytes(data), "corrupt.jpg")
    assert "corrupt" in one_line(info)


def test_cmyk_jpeg_decodes_to_plausible_colours(bear: np.ndarray) -> None:
    rgb = Image.fromarray(bear[..., ::-1])
    buffer = io.BytesIO()
    rgb.convert("CMYK").save(buffer, "JPEG", quality=95)
    decoded = decode_image(buffer.getvalue(), "cmyk.jpg")
    assert decoded.pixels.shape == bear.shape
    assert np.abs(decoded.pixels.astype(int) - bear.astype(int)).mean() < 25


def test_sixteen_bit_png_becomes_eight_bit(bear: np.ndarray) -> None:
    wide = bear.astype(np.uint16) * 257
    ok, buffer = cv2.imencode(".png", wide)
    decoded = decode_image(buffer.tobytes(), "16bit.png")
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape == bear.shape
    assert np.abs(decoded.pixels.astype(int) - bear.astype(int)).max() <= 1


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_greyscale_infrared_frame_becomes_three_channels(bear: np.ndarray, ext: str) -> None:
    grey = cv2.cvtColor(bear, cv2.COLOR_BGR2GRAY)
    ok, buffer = cv2.imencode(ext, grey)
    decoded = decode_image(buffer.tobytes(), f"ir{ext}")
    assert decoded.pixels.shape == (*grey.shape, 3)


def test_exif_rotation_is_applied(bear: np.ndarray) -> None:
    """A camera held upright stores sideways pixels plus EXIF orientation 6; we must see it upright."""
    sideways = np.ascontiguousarray(np.rot90(bear, k=1))  # what the sensor stored
    image = Image.fromarray(sideways[..., ::-1])
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    decoded = decode_image(buffer.getvalue(), "phone.jpg")
    assert (decoded.width, decoded.height) == (bear.shape[1], bear.shape[0])
    assert np.abs(decoded.pixels.astype(int) - bear.astype(int)).mean() < 6


def test_exif_rotation_also_applies_to_reduced_decoding(bear: np.ndarray) -> None:
    big = cv2.resize(bear, (bear.shape[1] * 4, bear.shape[0] * 4))
    sideways = np.ascontiguousarray(np.rot90(big, k=1))
    image = Image.fromarray(sideways[..., ::-1])
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    decoded = decode_image(buffer.getvalue(), "big.jpg", target_long_side=1024)
    assert (decoded.width, decoded.height) == (big.shape[1], big.shape[0])  # the upright original size
    assert decoded.pixels.shape[1] > decoded.pixels.shape[0]  # and the pixels are upright too
    assert decoded.pixels.shape[1] == big.shape[1] // 4


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A valid, highly compressed greyscale PNG: a few hundred kB that would decode to width×height×3 bytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    data = bomb_png(20_000, 20_000)  # 400 megapixels, 1.2 GB as BGR
    assert len(data) < 2_000_000
    assert read_header(data) is not None and read_header(data).width == 20_000  # type: ignore[union-attr]
    with pytest.raises(ImageError) as info:
        decode_image(data, "bomb.png")
    assert "over the 150-megapixel limit" in one_line(info)


def test_absurd_declared_size_in_a_jpeg_header(bear: np.ndarray) -> None:
    data = bytearray(jpeg_bytes(bear))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)
    with pytest.raises(ImageError, match="over the 150-megapixel limit"):
        decode_image(bytes(data), "huge.jpg")


@pytest.mark.parametrize(
    ("size", "fmt", "target", "factor"),
    [
        ((6000, 4000), "jpeg", 2048, 2),
        ((8000, 6000), "jpeg", 1000, 8),
        ((1920, 1080), "jpeg", 2048, 1),
        ((6000, 4000), "png", 2048, 1),
        ((6000, 4000), "jpeg", None, 1),
    ],
)
def test_reduction_factor(size: tuple[int, int], fmt: str, target: int | None, factor: int) -> None:
    assert reduction_for(*size, fmt, target) == factor


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".bmp", ".tiff", ".gif", ".ppm"])
def test_header_sizes_match_the_decoder(bear: np.ndarray, ext: str, tmp_path: Path) -> None:
    small = bear[:123, :321]
    if ext == ".gif":
        Image.fromarray(small[..., ::-1]).save(tmp_path / "x.gif")
        data = (tmp_path / "x.gif").read_bytes()
    else:
        ok, buffer = cv2.imencode(ext, small)
        data = buffer.tobytes()
    header = read_header(data)
    assert header is not None and (header.width, header.height) == (321, 123)
    decoded = decode_image(data, f"x{ext}")
    assert decoded.pixels.shape[:2] == (123, 321)
