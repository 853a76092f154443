"""The live window, driven as a user would: real models, real demo clip, real photos, real RTSP server (Qt offscreen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from livespecies.gui.main_window import MainWindow
from livespecies.overlay.draw import KNOWN, PLATE
from tests.filesystems import read_only_folder
from tests.gui.conftest import MakeWindow, single_photo_folder
from tests.servers.rtsp import RtspServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def qimage_array(window: MainWindow) -> np.ndarray:
    image = window.video.grab().toImage().convertToFormat(window.video.grab().toImage().Format.Format_RGB888)
    width, height = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(height, image.bytesPerLine())
    return buffer[:, : width * 3].reshape(height, width, 3)[..., ::-1].copy()  # → BGR


def count_colour(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(np.abs(image.astype(int) - colour) <= 3, axis=2).sum())


def wait_labelled(qtbot, window: MainWindow, timeout: int = 30000) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.latest is not None and len(window.latest.result.predictions) > 0, timeout=timeout)


def test_demo_plays_with_live_labels_drawn_on_the_video(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source("demo")
    wait_labelled(qtbot, window)
    shown = window.shown_frames
    qtbot.wait(1500)
    assert window.shown_frames - shown >= 10  # 12 fps clip: frames keep coming while recognition runs
    qtbot.waitUntil(lambda: count_colour(qimage_array(window), KNOWN) > 100, timeout=30000)
    assert count_colour(qimage_array(window), PLATE) > 200
    window.update_stats()
    stats = window.stats_label.text()
    assert all(word in stats for word in ("source", "shown", "results", "inference", "result latency", "dropped", "skipped by recognition"))
    assert window.state_label.text() == "demo clip: live"


def test_threshold_slider_changes_what_is_claimed_and_drawn(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(str(single_photo_folder(photos, tmp_path, "animals/explore_farm_animals-chicken.webp")))
    window.threshold_slider.setValue(30)
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.threshold == 0.3 and len(window.latest.result.predictions) >= 3,
                    timeout=30000)  # fmt: skip
    drawn: list[int] = []

    def green_drawn() -> bool:
        drawn.append(count_colour(qimage_array(window), KNOWN))
        return drawn[-1] > 0

    # A repaint draws them, also on a loaded machine where each result comes seconds after its frame (they were not
    # drawn at all under a CPU hog: results older than 1.5 s from capture were dropped).
    qtbot.waitUntil(green_drawn, timeout=30000)
    loose_green = drawn[-1]
    window.threshold_slider.setValue(99)
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.threshold == 0.99, timeout=30000)
    strict = window.latest
    assert strict is not None and len(strict.result.predictions) < 3
    assert all(p.confidence >= 0.99 for p in strict.result.predictions)
    qtbot.waitUntil(lambda: count_colour(qimage_array(window), KNOWN) < loose_green, timeout=30000)


def test_snapshot_button_and_shortcut_write_readable_files(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(str(single_photo_folder(photos, tmp_path, "animals/explore_world_animals-polar_bear.webp")))
    wait_labelled(qtbot, window)
    with qtbot.waitSignal(window.snapshot_saved, timeout=10000) as saved:
        qtbot.mouseClick(window.snapshot_button, Qt.MouseButton.LeftButton)
    first = saved.args[0]
    assert first.annotated.is_file() and first.raw.is_file() and window.last_snapshot == first
    sidecar = json.loads(first.sidecar.read_text())
    assert sidecar["predictions"][0]["label"] == "polar bear" and sidecar["reason"] == "manual"
    assert sidecar["models"]["classifier"].startswith("livespecies/")
    assert sidecar["models"]["specialist Aves"] == "livespecies/inat2017-birds-mobilenet-v2@2017"
    assert sidecar["predictions"][0]["models"] == ["livespecies/imagenet-ensemble-mnv2-lite0@1"]  # which model answered
    window.activateWindow()
    with qtbot.waitSignal(window.snapshot_saved, timeout=10000) as again:
        qtbot.keyClick(window, Qt.Key.Key_S)
    assert again.args[0].annotated != first.annotated


def test_read_only_snapshot_folder_shows_a_message_and_video_goes_on(qtbot, make_window: MakeWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A normal user gets a folder without write permission; root (who ignores permissions) a read-only bind mount.
    cause = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    with read_only_folder(tmp_path / "ro") as folder:
        window = make_window()
        window.set_snapshot_folder(folder)
        window.open_source("demo")
        qtbot.waitUntil(lambda: window.shown_frames > 3, timeout=15000)
        assert window.take_snapshot()  # queued: written on the recorder thread, which reports the failure
        # The banner shows the latest failure: the snapshot's, or, when the demo's first animal was recorded just
        # then, the sightings log's in the same folder ("Cannot write …/sightings.jsonl"); both name the cause.
        qtbot.waitUntil(lambda: cause in window.error_text, timeout=10000)
        assert "Cannot save a snapshot" in window.error_text or "sightings.jsonl" in window.error_text
        shown = window.shown_frames
        qtbot.waitUntil(lambda: window.shown_frames > shown + 5, timeout=30000)


@pytest.mark.parametrize(
    ("source", "message"),
    [("ftp://example.org/x", "unsupported scheme"), ("/nowhere/clip.mp4", "is not a camera number"), ("7", "No camera found at index 7")],
)
def test_bad_sources_show_a_message_and_the_window_keeps_running(qtbot, make_window: MakeWindow, source: str, message: str) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(source)
    qtbot.waitUntil(lambda: message in window.error_text, timeout=10000)
    window.open_source("demo")
    qtbot.waitUntil(lambda: window.shown_frames > 3, timeout=15000)
    assert window.error_text == ""


def test_unreachable_stream_shows_reconnecting(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(f"rtsp://viewer:hunter2@127.0.0.1:{free_port()}/live")
    qtbot.waitUntil(lambda: "reconnecting in" in window.state_label.text(), timeout=15000)
    assert "hunter2" not in window.state_label.text() + window.windowTitle() + window.video.message


def test_missing_model_shows_a_message_and_video_still_plays(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window(recognizer_=None, model_error="Model file /x/model.onnx does not exist; check the path.")
    assert "does not exist" in window.error_text and "without recognition" in window.error_text
    window.open_source("demo")
    qtbot.waitUntil(lambda: window.shown_frames > 5, timeout=15000)
    assert window.latest is None


def test_worker_start_stop_cycles_leave_no_threads(qtbot, make_window: MakeWindow) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    sessions = []
    for _ in range(3):
        window.open_source("demo")
        sessions.append(window.session)
        qtbot.waitUntil(lambda: window.latest is not None, timeout=20000)
        window.latest = None
    window.close_source()
    for session in sessions:
        assert session is not None and not session.capture.is_alive()
        assert session.inference_thread is not None and session.inference_thread.isFinished()


def test_settings_round_trip_without_passwords(qtbot, make_window: MakeWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings_file = tmp_path / "prefs.ini"
    window = make_window(settings_file=settings_file)
    window.threshold_slider.setValue(55)
    window.set_snapshot_folder(tmp_path / "elsewhere")
    window.auto_box.setChecked(True)
    window.open_source(f"rtsp://viewer:hunter2@127.0.0.1:{free_port()}/live")
    window.close()
    text = settings_file.read_text()
    assert "hunter2" not in text and "viewer:***@127.0.0.1" in text
    again = make_window(settings_file=settings_file)
    assert again.threshold == 0.55 and again.snapshot_folder == tmp_path / "elsewhere" and again.auto_box.isChecked()
    assert again.preferences.source is not None and again.preferences.source.startswith("rtsp://viewer:***@")


def test_auto_snapshot_once_per_visit_and_sightings_panel(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.auto_box.setChecked(True)
    window.open_source(str(single_photo_folder(photos, tmp_path, "animals/explore_world_animals-koala.webp")))
    qtbot.waitUntil(lambda: window.sightings.rowCount() >= 1 and 0 in window.sightings.snapshots, timeout=30000)
    qtbot.wait(2500)  # several more frames of the same koala: still one visit
    assert window.sightings.rowCount() == 1 and window.sightings.row_label(0) == "koala"
    sidecars = list(window.snapshot_folder.glob("*.json"))
    assert len(sidecars) == 1 and json.loads(sidecars[0].read_text())["reason"] == "sighting"
    log = [json.loads(line) for line in (window.snapshot_folder / "sightings.jsonl").read_text().splitlines()]
    assert [entry["event"] for entry in log] == ["started"] and log[0]["snapshot"].endswith(".jpg")
    with qtbot.waitSignal(window.sightings.open_requested, timeout=2000) as opened:
        window.sightings.cellDoubleClicked.emit(0, 2)
    assert Path(opened.args[0]).is_file()


def test_rtsp_stream_in_the_window_survives_a_server_restart(qtbot, make_window: MakeWindow, rtsp_server: RtspServer) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(rtsp_server.url)
    wait_labelled(qtbot, window, timeout=40000)
    rtsp_server.kill()
    qtbot.waitUntil(lambda: "reconnecting" in window.state_label.text(), timeout=15000)
    rtsp_server.start()
    qtbot.waitUntil(lambda: window.state_label.text().endswith(": live"), timeout=30000)
    shown = window.shown_frames
    qtbot.waitUntil(lambda: window.shown_frames > shown + 10, timeout=15000)


def test_no_display_gives_one_sentence_naming_the_headless_command() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "livespecies"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "No display found" in lines[0] and "livespecies classify" in lines[0]


def test_model_picker_swaps_the_classifier_and_refuses_bad_files(qtbot, make_window: MakeWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.tiny_models import contract, write_classifier

    window = make_window()
    window.open_source("demo")
    wait_labelled(qtbot, window)
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    with qtbot.waitSignal(window.model_refused, timeout=30000):
        window.use_classifier(tmp_path / "broken.onnx")
    assert "is not a valid ONNX model" in window.error_text
    mine = write_classifier(tmp_path / "mine.onnx", metadata=contract(3))
    with qtbot.waitSignal(window.model_changed, timeout=30000):
        window.use_classifier(mine)
    window.threshold_slider.setValue(5)
    names = {f"creature {i}" for i in range(3)}
    qtbot.waitUntil(lambda: window.latest is not None and any(p.label in names for p in window.latest.result.predictions), timeout=30000)
    assert window.options.recognizer is not None and window.options.recognizer.detector is not None  # the shipped detector stays


def test_model_picker_adds_a_specialist_next_to_the_classifier(qtbot, make_window: MakeWindow, tmp_path: Path, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A file with a scope goes behind the classifier (replacing the specialist for the same taxon); one without replaces it."""
    window = make_window()
    before = window.options.recognizer.classifier  # type: ignore[union-attr]
    assert sorted(s.scope.name for s in before.specialists) == ["Aves", "Insecta"]
    with qtbot.waitSignal(window.model_changed, timeout=30000):
        window.use_classifier(models_dir / "inat2017-birds-mobilenet-v2.onnx")
        assert window.options.recognizer.classifier is before  # type: ignore[union-attr]  # returned at once: it loads in the background
    after = window.options.recognizer.classifier  # type: ignore[union-attr]
    assert after.generalist is before.generalist and sorted(s.scope.name for s in after.specialists) == ["Aves", "Insecta"]
    assert "as the specialist for Aves" in window.notice_label.text()
    # A user's classifier without birds or insects in its tree keeps no specialist, and says nothing is wrong.
    from tests.tiny_models import contract, write_classifier

    with qtbot.waitSignal(window.model_changed, timeout=30000):
        window.use_classifier(write_classifier(tmp_path / "mine.onnx", metadata=contract(3)))
    assert window.options.recognizer.classifier.specialists == []  # type: ignore[union-attr]
    assert window.error_text == ""


def test_a_classifier_with_its_own_threshold_moves_the_slider_there(qtbot, make_window: MakeWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A model trained with ``python -m training`` names the threshold chosen on its validation frames."""
    from livespecies.inference.contract import Application
    from tests.tiny_models import contract, write_classifier

    window = make_window()
    window.threshold_slider.setValue(70)
    with qtbot.waitSignal(window.model_changed, timeout=30000):
        window.use_classifier(write_classifier(tmp_path / "own.onnx", metadata=contract(3, application=Application("detector-crops", 0.15, 0.85))))
    assert window.threshold == 0.85 and "its threshold 0.85" in window.notice_label.text()
    with qtbot.waitSignal(window.model_changed, timeout=30000):
        window.use_classifier(write_classifier(tmp_path / "plain.onnx", metadata=contract(3)))
    assert window.threshold == 0.85  # a model without one leaves the slider where it is


def test_species_list_in_the_window_applies_without_a_restart_and_is_remembered(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_source(str(single_photo_folder(photos, tmp_path, "animals/explore_world_animals-polar_bear.webp")))
    qtbot.waitUntil(lambda: window.latest is not None and any(p.taxon.name == "Ursus maritimus" for p in window.latest.result.predictions),
                    timeout=30000)  # fmt: skip
    session = window.session
    site = tmp_path / "site.txt"
    site.write_text("Ursus americanus  # black bears only here\nProcyon lotor\n")
    assert window.use_species_list(site)
    assert "Procyon lotor" in window.error_text  # unknown to the models: named, the rest applies
    qtbot.waitUntil(lambda: window.latest is not None and any(p.taxon.name == "Ursus" for p in window.latest.result.predictions), timeout=30000)
    assert window.session is session  # same source, same threads: no restart
    assert window.species_button.text() == "Species: site.txt"
    assert window.preferences.species_list == site
    (tmp_path / "empty.txt").write_text("# nothing\n")
    assert not window.use_species_list(tmp_path / "empty.txt")
    assert "names no species" in window.error_text and window.preferences.species_list == site  # the old list stays
    assert window.use_species_list(None)
    qtbot.waitUntil(lambda: window.latest is not None and any(p.taxon.name == "Ursus maritimus" for p in window.latest.result.predictions),
                    timeout=30000)  # fmt: skip
    assert window.species_button.text() == "Species: all" and window.preferences.species_list is None


def test_status_figures_fit_whole_at_1280_px(qtbot, make_window: MakeWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Guards "… result latency 53 ms dr": at 1280 px the figures were cut at the right edge, even with a long
    notice and a long source state beside them, which give way (elided, their full text in the tooltip)."""
    window = make_window()
    window.resize(1280, 760)
    window.open_source("demo")
    wait_labelled(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None and window.session.station.stats.latency.median() is not None, timeout=30000)
    assert window.session is not None and window.session.worker is not None
    window.display_skips.skipped, window.session.station.stats.skipped_busy = 123456, 1234567  # a day's counts
    window.notify(f"Saved {tmp_path / ('a-long-folder-name/' * 6)}2026-05-16T12-00-00_polar-bear.jpg", 60000)
    qtbot.waitUntil(lambda: "inference" in window.stats_label.text() and "1234567" in window.stats_label.text(), timeout=5000)
    label = window.stats_label

    def room() -> tuple[int, int, str]:
        return label.contentsRect().width(), label.fontMetrics().horizontalAdvance(label.text()), label.text()

    # The layout follows a new text on the next turn of the event loop: wait for it, then the whole text must fit.
    try:
        qtbot.waitUntil(lambda: window.statusBar().width() >= 1200 and room()[0] >= room()[1], timeout=5000)
    finally:
        print("stats label: width, text width, text:", room())
    assert label.isVisible() and label.shown_text == label.text()
    assert label.geometry().right() <= window.statusBar().contentsRect().right()
    assert window.stats_label.toolTip()  # what each figure means
    assert window.state_label.toolTip() == window.state_label.text() == "demo clip: live"
