"""The capture loop on real files and folders, its reconnect decisions, and a webcam that is unplugged and back.

A USB webcam cannot exist here (there is no /dev/video*); only that test uses a stand-in source.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from livespecies.capture.latest import LatestFrame
from livespecies.capture.reader import CaptureThread, ReconnectPolicy, SourceState, next_delay, run_capture, should_retry
from livespecies.capture.source_spec import SourceError, SourceSpec, parse_source
from livespecies.capture.sources import ImageFolderSource, VideoCaptureSource, find_cameras, open_source

FAST = ReconnectPolicy(first_delay=0.05, factor=2.0, max_delay=0.2)


@pytest.mark.parametrize(("attempt", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (50, 30.0)])
def test_capped_exponential_backoff(attempt: int, delay: float) -> None:
    assert next_delay(attempt, ReconnectPolicy()) == delay


@pytest.mark.parametrize(
    ("kind", "was_live", "retry"),
    [("stream", False, True), ("stream", True, True), ("camera", False, False), ("camera", True, True),
     ("video", True, False), ("images", True, False), ("demo", True, False)],
)  # fmt: skip
def test_who_is_retried(kind: str, was_live: bool, retry: bool) -> None:
    assert should_retry(kind, was_live) is retry  # type: ignore[arg-type]


def test_an_unset_password_variable_fails_once_instead_of_retrying_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVESPECIES_TEST_UNSET_PW", raising=False)
    spec = parse_source("rtsp://user:${LIVESPECIES_TEST_UNSET_PW}@127.0.0.1:9/cam")
    _, states = collect(lambda: open_source(spec), 5.0)
    # One "connecting", then "failed" with the sentence: no "reconnecting" loop (it would be endless).
    assert [s.status for s in states] == ["connecting", "failed"], states
    assert "environment variable LIVESPECIES_TEST_UNSET_PW, which is not set" in states[-1].detail


def collect(make_source, seconds: float, policy: ReconnectPolicy = FAST):  # type: ignore[no-untyped-def]
    slot, states, stop = LatestFrame(), [], threading.Event()
    frames: list[int] = []
    thread = threading.Thread(target=run_capture, args=(make_source, slot, states.append, stop, policy), daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    last = 0
    while time.monotonic() < deadline and thread.is_alive():
        got = slot.wait_newer(last, 0.05)
        if got is not None:
            last = got.seq
            frames.append(got.seq)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    return frames, states


def test_video_file_plays_in_real_time_and_ends(demo_clip: Path) -> None:
    frames, states = collect(lambda: VideoCaptureSource(SourceSpec("video", str(demo_clip))), 1.5)
    # The clip is 12 fps: a 1.5 s window must see about 18 frames, not the whole file at once.
    assert 10 <= len(frames) <= 24, len(frames)
    assert [s.status for s in states[:2]] == ["connecting", "live"]


def test_demo_loops_forever(demo_clip: Path) -> None:
    assert isinstance(open_source(parse_source("demo"), demo_clip), VideoCaptureSource)
    source = VideoCaptureSource(parse_source("demo"), loop=True, path=demo_clip, realtime=False)
    source.open()
    assert source.nominal_fps == 12.0
    for _ in range(400):  # longer than the 216-frame clip
        assert source.read() is not None
    source.close()


def test_missing_file_fails_with_a_sentence(tmp_path: Path) -> None:
    _, states = collect(lambda: VideoCaptureSource(SourceSpec("video", str(tmp_path / "gone.mp4"))), 0.5)
    assert states[-1].status == "failed" and "does not exist" in states[-1].detail


def test_a_file_that_is_not_a_video(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("not a video")
    _, states = collect(lambda: VideoCaptureSource(SourceSpec("video", str(tmp_path / "notes.mp4"))), 0.5)
    assert states[-1].status == "failed" and "not a video file" in states[-1].detail


def test_no_camera_here_is_reported_not_retried() -> None:
    assert find_cameras() == []
    _, states = collect(lambda: VideoCaptureSource(SourceSpec("camera", "0")), 0.5)
    assert [s.status for s in states] == ["connecting", "failed"]
    assert states[-1].describe() == "failed: No camera found at index 0."


def test_image_folder_plays_photos_and_skips_broken_ones(photos: Path, tmp_path: Path) -> None:
    for name in ("a.webp", "b.webp"):
        (tmp_path / name).write_bytes((photos / "animals/explore_world_animals-koala.webp").read_bytes())
    (tmp_path / "c.jpg").write_bytes(b"")
    source = ImageFolderSource(SourceSpec("images", str(tmp_path)), fps=20.0)
    frames, states = collect(lambda: source, 0.6)
    assert len(frames) >= 5 and states[1].status == "live"
    assert any("empty" in s for s in source.skipped)


def test_empty_image_folder(tmp_path: Path) -> None:
    _, states = collect(lambda: ImageFolderSource(SourceSpec("images", str(tmp_path))), 0.3)
    assert states[-1].status == "failed" and "contains no images" in states[-1].detail


class UnpluggedWebcam:
    """Stand-in for a USB webcam (none can exist here): 5 frames, unplugged, then back."""

    spec = SourceSpec("camera", "0")
    live = True
    nominal_fps = 30.0
    opens = 0  # across instances: the capture loop makes a new source object per reconnect

    def open(self) -> None:
        UnpluggedWebcam.opens += 1
        if UnpluggedWebcam.opens == 2:
            raise SourceError("No camera found at index 0.")
        self.left = 5

    def read(self):  # type: ignore[no-untyped-def]
        if self.left == 0:
            return None
        self.left -= 1
        time.sleep(0.01)
        return np.zeros((4, 4, 3), np.uint8)

    def close(self) -> None:
        pass


def test_webcam_unplugged_mid_session_is_retried_and_comes_back() -> None:
    UnpluggedWebcam.opens = 0
    frames, states = collect(UnpluggedWebcam, 0.8)
    statuses = [s.status for s in states]
    assert statuses[:2] == ["connecting", "live"]
    assert "reconnecting" in statuses and statuses.count("live") >= 2
    assert frames == sorted(frames) and len(frames) >= 10  # sequence numbers keep counting across reconnects


def test_capture_thread_stops_promptly(demo_clip: Path) -> None:
    states: list[SourceState] = []
    capture = CaptureThread(lambda: VideoCaptureSource(SourceSpec("demo", "demo"), loop=True, path=demo_clip), LatestFrame(), states.append)
    capture.start()
    time.sleep(0.3)
    start = time.monotonic()
    assert capture.stop(5.0)
    assert time.monotonic() - start < 1.0 and states[-1].status == "stopped"


def test_a_source_that_cannot_even_be_made_fails_cleanly() -> None:
    def no_demo():  # type: ignore[no-untyped-def]
        return open_source(parse_source("demo"), None)

    _, states = collect(no_demo, 0.3)
    assert [s.status for s in states] == ["failed"] and "demo clip is not installed" in states[0].detail
