"""A real RTSP server on loopback (Debian's GStreamer RTSP server): live frames, a server that dies and
comes back, a server that freezes, and credentials that never leak."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from livespecies.capture.latest import LatestFrame
from livespecies.capture.reader import ReconnectPolicy, SourceState, run_capture
from livespecies.capture.source_spec import parse_source
from livespecies.capture.sources import READ_TIMEOUT_MS, open_source
from livespecies.inference.engine import Recognizer
from livespecies.pipeline import LivePipeline
from tests.servers.rtsp import RtspServer

QUICK = ReconnectPolicy(first_delay=0.5, factor=2.0, max_delay=2.0)


class Watcher:
    """Runs the real capture loop against a URL and records states and frames."""

    def __init__(self, url: str) -> None:
        self.slot = LatestFrame()
        self.states: list[SourceState] = []
        self.stop = threading.Event()
        spec = parse_source(url)
        self.thread = threading.Thread(target=run_capture, args=(lambda: open_source(spec), self.slot, self.states.append, self.stop, QUICK),
                                       daemon=True)  # fmt: skip
        self.thread.start()

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if condition():
                return time.monotonic() - start
            time.sleep(0.05)
        raise AssertionError(f"not within {timeout} s; states: {[s.describe() for s in self.states]}")

    def status(self) -> str:
        return self.states[-1].status if self.states else ""

    def frames_after(self, seq: int, count: int, timeout: float) -> int:
        last = seq
        deadline = time.monotonic() + timeout
        got = 0
        while got < count and time.monotonic() < deadline:
            frame = self.slot.wait_newer(last, 0.2)
            if frame is not None:
                last, got = frame.seq, got + 1
        assert got >= count, f"only {got} new frames; states: {[s.describe() for s in self.states]}"
        return last

    def close(self) -> None:
        self.stop.set()
        self.thread.join(15)


@pytest.fixture
def watcher_factory():  # type: ignore[no-untyped-def]
    made: list[Watcher] = []

    def make(url: str) -> Watcher:
        made.append(Watcher(url))
        return made[-1]

    yield make
    for w in made:
        w.close()


def test_live_frames_are_recognised(rtsp_server: RtspServer, watcher_factory, recognizer: Recognizer) -> None:  # type: ignore[no-untyped-def]
    watcher = watcher_factory(rtsp_server.url)
    watcher.wait_for(lambda: watcher.status() == "live", 10)
    pipeline = LivePipeline(recognizer)
    last, names = 0, set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not names:
        frame = watcher.slot.wait_newer(last, 1.0)
        if frame is not None:
            last = frame.seq
            names |= {p.label for p in pipeline.process(frame, 0.7).result.predictions}
    assert names & {"polar bear", "hen", "koala", "red panda", "German shepherd", "macaw"}, names


def test_killed_server_shows_reconnecting_then_recovers_without_restart(rtsp_server: RtspServer, watcher_factory) -> None:  # type: ignore[no-untyped-def]
    watcher = watcher_factory(rtsp_server.url)
    watcher.wait_for(lambda: watcher.status() == "live", 10)
    seq = watcher.frames_after(0, 5, 10)
    rtsp_server.kill()
    noticed = watcher.wait_for(lambda: watcher.status() == "reconnecting", 10)
    assert "reconnecting in" in watcher.states[-1].describe()
    rtsp_server.start()  # same port, same URL
    watcher.wait_for(lambda: watcher.status() == "live" and watcher.states.count(watcher.states[-1]) >= 1, 20)
    after = watcher.frames_after(seq, 5, 15)
    assert after > seq  # sequence numbers continue: the same capture loop, no restart
    assert noticed < 5.0


def test_frozen_server_is_detected_within_the_read_timeout(rtsp_server: RtspServer, watcher_factory) -> None:  # type: ignore[no-untyped-def]
    watcher = watcher_factory(rtsp_server.url)
    watcher.wait_for(lambda: watcher.status() == "live", 10)
    watcher.frames_after(0, 5, 10)
    rtsp_server.freeze()
    try:
        # FFmpeg retries a timed-out read about three times: measured ~6 s with a 2 s read timeout.
        noticed = watcher.wait_for(lambda: watcher.status() == "reconnecting", 4 * READ_TIMEOUT_MS / 1000 + 4)
    finally:
        rtsp_server.thaw()
    assert noticed <= 4 * READ_TIMEOUT_MS / 1000 + 4


def test_credentials_work_and_never_appear_in_states(rtsp_frames: str, watcher_factory) -> None:  # type: ignore[no-untyped-def]
    server = RtspServer(rtsp_frames, credentials=("ranger", "Pa55-secret"))
    server.start()
    try:
        good = watcher_factory(server.url)
        good.wait_for(lambda: good.status() == "live", 10)
        good.frames_after(0, 3, 10)
        bad = watcher_factory(server.url.replace("Pa55-secret", "wrong-guess"))
        bad.wait_for(lambda: bad.status() == "reconnecting", 10)
        shown = " ".join(s.describe() + s.source for w in (good, bad) for s in w.states)
        assert "Pa55-secret" not in shown and "wrong-guess" not in shown
        assert "ranger:***@127.0.0.1" in shown and "password" in bad.states[-1].detail
    finally:
        server.stop()


def test_connection_refused_is_retried_with_backoff(watcher_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.servers.rtsp import free_port

    watcher = watcher_factory(f"rtsp://127.0.0.1:{free_port()}/live")
    watcher.wait_for(lambda: sum(s.status == "reconnecting" for s in watcher.states) >= 3, 15)
    delays = [s.retry_in for s in watcher.states if s.status == "reconnecting"]
    assert delays[:3] == [0.5, 1.0, 2.0]


def test_http_mjpeg_camera_stream(photos, watcher_factory) -> None:  # type: ignore[no-untyped-def]
    """Many IP cameras serve MJPEG over HTTP (multipart/x-mixed-replace): a real one on loopback."""
    import cv2

    from tests.servers.mjpeg import MjpegServer

    images = [cv2.imread(str(photos / name)) for name in ("animals/explore_world_animals-koala.webp", "animals/erase-red_panda.webp")]
    frames = [cv2.imencode(".jpg", image)[1].tobytes() for image in images]
    server = MjpegServer(frames, fps=10)
    server.start()
    try:
        watcher = watcher_factory(server.url)
        watcher.wait_for(lambda: watcher.status() == "live", 15)
        watcher.frames_after(0, 5, 10)
        frame = watcher.slot.peek()
        assert frame is not None and frame.pixels.shape in {image.shape for image in images}
    finally:
        server.stop()
