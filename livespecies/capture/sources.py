"""Frame sources: webcams, network streams, video files, image folders and the demo clip.

Every source has the same small interface so the capture loop, the GUI and the
tests treat them alike. Reads block for at most the source's own timeout; no
source ever queues frames (the capture loop hands each one straight to a
newest-frame-wins slot).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from livespecies.capture.image_file import IMAGE_EXTENSIONS, load_image
from livespecies.capture.probe import probing
from livespecies.capture.source_spec import SourceError, SourceSpec, StreamError, expand_secrets
from livespecies.errors import ImageError

if os.environ.get("OPENCV_LOG_LEVEL") == "ERROR":  # our default (livespecies/__init__.py), also when cv2 was loaded first
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

Pixels = npt.NDArray[np.uint8]
OPEN_TIMEOUT_MS = 5000
# FFmpeg retries a timed-out read about three times, so a frozen stream is noticed after ~3× this.
READ_TIMEOUT_MS = 2000


class FrameSource(Protocol):
    spec: SourceSpec

    @property
    def live(self) -> bool:
        """True for cameras and streams (frames arrive on their own clock); False for files played back."""

    @property
    def nominal_fps(self) -> float | None:
        """The rate the source claims, when it claims one."""

    def open(self) -> None:
        """Connect or open; raise SourceError with one sentence when that is impossible."""

    def read(self) -> Pixels | None:
        """The next frame (BGR), or None when the source ended, failed or timed out."""

    def close(self) -> None:
        """Release the device, connection or file."""


class VideoCaptureSource:
    """Cameras, streams and video files through OpenCV's VideoCapture.

    Files are paced to real time (a 30 fps file gives 30 frames per second, as a
    camera would) and can loop, which is what the demo does.
    """

    def __init__(self, spec: SourceSpec, loop: bool = False, path: Path | None = None, realtime: bool = True) -> None:
        self.spec = spec
        self.loop = loop
        self.path = path
        self.realtime = realtime  # False: as fast as decoding allows (benchmarks, batch work)
        self._capture: cv2.VideoCapture | None = None
        self._fps: float | None = None
        self._started = 0.0
        self._frames = 0

    @property
    def live(self) -> bool:
        return self.spec.kind in ("camera", "stream")

    @property
    def nominal_fps(self) -> float | None:
        return self._fps

    def open(self) -> None:
        name = self.spec.display_name
        if self.spec.kind == "camera":
            capture = cv2.VideoCapture(int(self.spec.target))
            if not capture.isOpened():
                raise SourceError(f"No camera found at index {self.spec.target}.")
        elif self.spec.kind == "stream":
            url = expand_secrets(self.spec.target)
            # OpenCV says only "not opened"; a short exchange with the server says why, in words (see probe.py),
            # and a wrong password is tried once per attempt rather than by every layer of FFmpeg.
            with probing(url) as answer:
                if not answer.ok:
                    raise StreamError(f"Cannot open {name}: {answer.message}.", answer.cause)
                params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
                capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
            if not capture.isOpened():
                raise StreamError(
                    f"Cannot open {name}: the server answered, but sent no video OpenCV can decode within {OPEN_TIMEOUT_MS // 1000} s.",
                    "error",
                )
        else:
            path = self.path or Path(self.spec.target)
            if not path.is_file():
                raise SourceError(f"Video file {path} does not exist.")
            capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
            if not capture.isOpened():
                raise SourceError(f"Cannot play {path}: not a video file OpenCV can decode.")
        fps = capture.get(cv2.CAP_PROP_FPS)
        self._fps = fps if 1.0 <= fps <= 240.0 else None
        self._capture = capture
        self._started = time.monotonic()
        self._frames = 0

    def read(self) -> Pixels | None:
        if self._capture is None:
            return None
        ok, pixels = self._capture.read()
        if not ok and not self.live and self.loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            self._started, self._frames = time.monotonic(), 0
            ok, pixels = self._capture.read()
        if not ok or pixels is None:
            return None
        if not self.live and self.realtime:
            self._pace()
        return np.ascontiguousarray(pixels)

    def _pace(self) -> None:
        """Hold a file's frame until its time has come, as a camera would deliver it."""
        self._frames += 1
        due = self._started + self._frames / (self._fps or 30.0)
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1.0:
            self._started -= delay  # fell far behind (paused debugger, suspended laptop): resynchronise

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class ImageFolderSource:
    """A folder of photos played as a stream, ``fps`` photos per second, broken files skipped."""

    def __init__(self, spec: SourceSpec, fps: float = 2.0, loop: bool = True) -> None:
        self.spec = spec
        self.fps = fps
        self.loop = loop
        self._paths: list[Path] = []
        self._index = 0
        self._next_due = 0.0
        self.skipped: list[str] = []

    @property
    def live(self) -> bool:
        return False

    @property
    def nominal_fps(self) -> float | None:
        return self.fps

    def open(self) -> None:
        folder = Path(self.spec.target)
        if not folder.is_dir():
            raise SourceError(f"Image folder {folder} does not exist.")
        self._paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith("."))
        if not self._paths:
            raise SourceError(f"Image folder {folder} contains no images.")
        self._index = 0
        self._next_due = time.monotonic()

    def read(self) -> Pixels | None:
        attempts = 0
        while attempts < len(self._paths):
            if self._index >= len(self._paths):
                if not self.loop:
                    return None
                self._index = 0
            path = self._paths[self._index]
            self._index += 1
            attempts += 1
            try:
                pixels = load_image(path, target_long_side=1920).pixels
            except ImageError as exc:
                self.skipped.append(str(exc))
                continue
            delay = self._next_due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._next_due = max(self._next_due, time.monotonic() - 1.0) + 1.0 / self.fps
            return pixels
        return None

    def close(self) -> None:
        self._paths = []


def open_source(spec: SourceSpec, demo_clip: Path | None = None, image_fps: float = 2.0) -> FrameSource:
    """The source object for a spec (not yet opened)."""
    if spec.kind == "images":
        return ImageFolderSource(spec, fps=image_fps)
    if spec.kind == "demo":
        if demo_clip is None:
            raise SourceError("The demo clip is not installed.")
        return VideoCaptureSource(spec, loop=True, path=demo_clip)
    return VideoCaptureSource(spec)


def find_cameras(max_index: int = 4) -> list[int]:
    """Indices of webcams that open. Fails fast (under a millisecond each) where there are none."""
    found = []
    for index in range(max_index):
        if os.name == "posix" and not Path(f"/dev/video{index}").exists() and Path("/dev").is_dir() and os.uname().sysname == "Linux":
            continue  # Linux exposes webcams as /dev/videoN; probing absent ones only prints warnings
        capture = cv2.VideoCapture(index)
        try:
            if capture.isOpened():
                found.append(index)
        finally:
            capture.release()
    return found
