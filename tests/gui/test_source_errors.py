"""What the window says about its source, driven as a user would against real servers on loopback:
errors that stay and never give way to another source, a countdown that counts, the real source in the
box, the state readable in a small window, plausible rates, and SIGTERM/SIGINT closing like the button."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from livespecies.capture.reader import LOGIN_ATTEMPTS
from tests.gui.conftest import MakeWindow
from tests.servers.rtsp import RtspServer, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("typed", "message"),
    [("rtps://127.0.0.1:8554/live", "unsupported scheme 'rtps' (did you mean rtsp://?)"), ("rtsp:///live", "has no host name")],
)
def test_an_unusable_url_is_an_error_that_stays_and_nothing_else_plays(qtbot, make_window: MakeWindow, typed: str, message: str) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert not window.open_source(typed)
    assert message in window.error_text and message in window.video.message
    assert window.session is None and window.source_box.currentIndex() == -1
    ticks = 0

    def count() -> None:
        nonlocal ticks
        ticks += 1

    window.stats_timer.timeout.connect(count)
    qtbot.waitUntil(lambda: ticks >= 3, timeout=10000)  # the window went on updating: still the error, still no source
    assert message in window.error_text and window.session is None and window.shown_frames == 0


def test_typing_a_bad_url_while_watching_keeps_what_plays_and_says_why(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source("demo")
    qtbot.waitUntil(lambda: window.shown_frames > 3, timeout=15000)
    assert not window.open_source("rtps://127.0.0.1/live")
    assert "unsupported scheme" in window.error_text and window.session is not None and window.session.spec.kind == "demo"
    shown = window.shown_frames
    qtbot.waitUntil(lambda: window.shown_frames > shown + 5, timeout=10000)
    assert "unsupported scheme" in window.error_text  # not hidden because the demo keeps playing


def test_a_remembered_url_never_sends_the_redacted_password(qtbot, make_window: MakeWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file = tmp_path / "prefs.ini"
    first = make_window(settings_file=settings_file)
    first.open_source(f"rtsp://viewer:hunter2@127.0.0.1:{free_port()}/live")
    first.close()
    again = make_window(settings_file=settings_file)
    remembered = again.preferences.source
    assert remembered is not None and ":***@" in remembered and "hunter2" not in settings_file.read_text()
    assert not again.open_source(remembered)
    assert "was not remembered" in again.error_text and again.session is None


def test_wrong_password_in_the_window_stops_and_says_so(qtbot, make_window: MakeWindow, rtsp_frames: str) -> None:  # type: ignore[no-untyped-def]
    server = RtspServer(rtsp_frames, credentials=("ranger", "Pa55-secret"), auth="digest")
    server.start()
    try:
        window = make_window()
        window.open_source(server.url.replace("Pa55-secret", "wrong-guess"))
        qtbot.waitUntil(lambda: window.source_state is not None and window.source_state.status == "failed", timeout=30000)
        assert window.state_label.text().startswith(f"{window.session.spec.display_name}: failed: wrong user or password")  # type: ignore[union-attr]
        assert f"stopped after {LOGIN_ATTEMPTS} tries" in window.state_label.toolTip()
        assert "wrong user or password" in window.error_text
        assert window.session is not None and not window.session.capture.is_alive()  # no more login attempts
        assert "wrong-guess" not in window.error_text + window.state_label.toolTip() + window.source_box.currentText()
    finally:
        server.stop()


def test_the_reconnect_countdown_counts_and_the_full_reason_is_in_the_tooltip(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    port = free_port()
    window.open_source(f"rtsp://127.0.0.1:{port}/live")
    # QUICK policy: 0.5, 1, 2, 2… s between attempts; catch a 2 s wait and see it count down.
    qtbot.waitUntil(lambda: "reconnecting in 2 s" in window.state_label.text(), timeout=20000)
    waiting = window.source_state
    qtbot.waitUntil(lambda: re.search(r"reconnecting in [01] s", window.state_label.text()) is not None, timeout=15000)
    assert window.source_state is waiting  # the same wait, counted down, not a new attempt
    tip = window.state_label.toolTip()
    assert f"refused: nothing listens on 127.0.0.1:{port}" in tip and "refused: nothing listens" in window.error_text


def test_the_source_box_shows_what_plays(qtbot, make_window: MakeWindow, rtsp_server: RtspServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source("demo")
    assert window.source_box.currentText() == "Demo clip"
    window.open_source(rtsp_server.url)
    assert window.source_box.currentText() == rtsp_server.url
    qtbot.waitUntil(lambda: window.state_label.text().endswith(": live"), timeout=20000)
    window.open_source("demo")
    assert window.source_box.currentText() == "Demo clip"
    assert [window.source_box.itemText(i) for i in range(window.source_box.count())].count(rtsp_server.url) == 1


def test_the_state_stays_visible_in_a_small_window(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(f"rtsp://127.0.0.1:{free_port()}/live")
    qtbot.waitUntil(lambda: "reconnecting in" in window.state_label.text(), timeout=20000)
    window.resize(1, 1)  # as small as the window lets itself be made
    smallest = window.minimumSizeHint().width()
    qtbot.waitUntil(lambda: window.width() <= smallest, timeout=15000)
    window.update_stats()
    window.notify("Saved /a/rather/long/path/to/a/snapshot/folder/20261201T000000Z_red-panda.jpg", 60000)
    label = window.state_label
    assert label.isVisible() and label.width() >= 160  # also while a notice is shown
    assert label.mapTo(window, label.rect().topRight()).x() <= window.width()
    assert "reconnecting in" in window.video.message  # and over the video itself


def test_shown_rate_never_above_the_source_rate_after_connecting(qtbot, make_window: MakeWindow, rtsp_server: RtspServer) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(rtsp_server.url)
    readings: list[tuple[float, float]] = []

    def read() -> None:
        window.update_stats()
        figures = dict(re.findall(r"(source|shown) ([0-9.]+) fps", window.stats_label.text()))
        if len(figures) == 2:
            readings.append((float(figures["source"]), float(figures["shown"])))

    window.frame_shown.connect(read)
    qtbot.waitUntil(lambda: len(readings) >= 30, timeout=30000)
    assert all(shown <= source * 1.1 + 0.5 for source, shown in readings), readings


def thread_names(pid: int) -> set[str]:
    names = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            names.add((task / "comm").read_text().strip())
        except OSError:
            pass  # a thread that ended while we looked
    return names


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_close_the_window_like_its_close_button(tmp_path: Path, signal_number: int) -> None:
    settings = tmp_path / "settings.ini"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "livespecies", "gui", "--source", "demo", "--settings", str(settings), "--snapshots", str(tmp_path / "s")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The inference thread (a QThread: Qt names it in /proc) exists once the window has opened its source.
        deadline = time.monotonic() + 120
        while "inference" not in thread_names(process.pid):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the window did not start its source within 120 s"
            time.sleep(0.1)
        process.send_signal(signal_number)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    text = settings.read_text()
    assert "geometry" in text and "source=demo" in text  # saved as the close button saves them
