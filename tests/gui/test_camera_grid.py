"""The watcher's cameras in a grid window (pytest-qt, offscreen): the same config as `livespecies watch`, each tile
with its newest labelled frame, its state and its latest sighting; closing the window ends and stores the sightings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from livespecies.gui.camera_grid import CameraGridWindow, tile_texts
from livespecies.inference.engine import Recognizer
from livespecies.sightings.database import SightingDatabase
from livespecies.watch.config import WatchConfig, load_config
from livespecies.watch.watcher import Watcher
from tests.servers.rtsp import RtspServer, free_port
from tests.watch.streams import scene_frames, write_config


def test_grid_shows_each_camera_and_closing_stores_the_sightings(qtbot, tmp_path: Path, photos: Path, recognizer: Recognizer,  # type: ignore[no-untyped-def]
                                                                start_stream: Callable[[str], RtspServer]) -> None:  # fmt: skip
    stream = start_stream(scene_frames(photos, tmp_path / "frames", 0, 60, 60))  # the bear stands there throughout
    path = write_config(tmp_path / "watch.toml", [
        {"name": "meadow", "source": stream.url},
        {"name": "gone", "source": f"rtsp://127.0.0.1:{free_port()}/live"},  # nothing listens: its tile says so
    ])  # fmt: skip
    config = load_config(path)

    def make_watcher(config: WatchConfig) -> Watcher:
        return Watcher(config, recognizer)

    window = CameraGridWindow(config, make_watcher)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.watcher_ready, timeout=60000):
        pass
    qtbot.waitUntil(lambda: "polar bear" in tile_texts(window)["meadow"][1], timeout=60000)
    qtbot.waitUntil(lambda: "refused: nothing listens" in tile_texts(window)["gone"][0], timeout=30000)
    assert tile_texts(window)["meadow"][0].startswith("live · ")
    meadow = window.tiles[0]
    assert meadow.shown_seq > 0 and not meadow.video.message  # a frame is shown, no message over it
    window.close()
    database = SightingDatabase(config.database.path, readonly=True)
    rows = database.query()
    database.close()
    assert rows and all(r.status == "ended" for r in rows) and rows[-1].label == "polar bear"


def test_a_model_that_cannot_load_is_a_message_in_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    path = write_config(tmp_path / "watch.toml", [{"name": "demo", "source": "demo"}], extra=f'[models]\nclassifier = "{tmp_path / "broken.onnx"}"\n')
    window = CameraGridWindow(load_config(path))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.watcher_failed, timeout=60000) as failed:
        pass
    assert "is not a valid ONNX model" in failed.args[0] and "is not a valid ONNX model" in window.banner.text()


def test_a_tiles_tooltip_shows_the_last_error_only_while_the_camera_is_not_live(qtbot) -> None:  # type: ignore[no-untyped-def]
    from livespecies.gui.camera_grid import CameraTile

    tile = CameraTile("gate")
    qtbot.addWidget(tile)
    stats: dict[str, object] = {"state": "reconnecting in 4 s", "status": "reconnecting", "fps_processed": 0.0, "static_share": 0.0,
                                "last_error": "refused: nothing listens", "last_sighting": None, "last_sighting_at": None}  # fmt: skip
    tile.show_stats(stats)
    assert tile.state.toolTip() == "reconnecting in 4 s: last error refused: nothing listens"
    tile.show_stats(stats | {"state": "live", "status": "live"})  # back: the old error is for the web page's history
    assert tile.state.toolTip() == "live"
