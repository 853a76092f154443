"""Start, kill, freeze and restart the real loopback RTSP server from tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import cv2

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"  # the GStreamer bindings live in Debian's Python, not in the venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_frames(video: Path, folder: Path, every: int = 2, limit: int = 120) -> str:
    """JPEG frames from a real clip, for the server's looping image-sequence pipeline."""
    folder.mkdir(parents=True, exist_ok=True)
    capture = cv2.VideoCapture(str(video))
    index = written = 0
    while written < limit:
        ok, frame = capture.read()
        if not ok:
            break
        if index % every == 0:
            cv2.imwrite(str(folder / f"{written:03d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
            written += 1
        index += 1
    capture.release()
    return str(folder / "%03d.jpg")


class RtspServer:
    def __init__(self, pattern: str, fps: int = 12, credentials: tuple[str, str] | None = None, auth: str = "basic") -> None:
        self.pattern = pattern
        self.fps = fps
        self.credentials = credentials
        self.auth = auth
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        auth = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/live"

    def start(self) -> None:
        login = (*self.credentials, self.auth) if self.credentials else ()
        args = [SYSTEM_PYTHON, str(HERE / "rtsp_server.py"), str(self.port), self.pattern, str(self.fps), *login]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"RTSP server did not start: {line} {self.process.stdout.read()}")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # listening?
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("RTSP server is not listening")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.kill()
