"""The live window tells the truth: a new animal in the same place gets its own name at once, and one animal is one
sighting with one snapshot (real photos, a real RTSP stream)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.capture.image_file import load_image
from livespecies.inference.engine import Recognizer
from livespecies.pipeline import LiveResult
from tests.gui.conftest import MakeWindow
from tests.servers.rtsp import RtspServer

BEAR = "animals/explore_world_animals-polar_bear.webp"
KOALA = "animals/explore_world_animals-koala.webp"


def animal_filling_the_frame(recognizer: Recognizer, photo: Path) -> np.ndarray:
    """The photo cropped around its animal, so that two such pictures put two animals in the same place."""
    pixels = load_image(photo).pixels
    h, w = pixels.shape[:2]
    box = recognizer.detector.detect(pixels, 0.25)[0].box  # type: ignore[union-attr]
    assert box is not None
    x0, y0, x1, y1 = box.to_pixels(w, h)
    side = int(max(x1 - x0, y1 - y0) * 1.3)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    left, top = max(0, min(w - side, cx - side // 2)), max(0, min(h - side, cy - side // 2))
    crop = pixels[top : top + side, left : left + side]
    return np.asarray(cv2.resize(crop, (480, 480), interpolation=cv2.INTER_AREA), dtype=np.uint8)


def test_two_animals_alternating_in_one_place_are_named_at_once(qtbot, make_window: MakeWindow, recognizer: Recognizer,
                                                               photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    """Hens were labelled "polar bear" when they followed a bear: the label must switch within 1 s of the animal,
    and no auto snapshot may carry the other animal's name."""
    feed = tmp_path / "feed"
    feed.mkdir()
    pictures = {"polar bear": animal_filling_the_frame(recognizer, photos / BEAR), "koala": animal_filling_the_frame(recognizer, photos / KOALA)}
    cv2.imwrite(str(feed / "a.png"), pictures["polar bear"])  # PNG: the frames decode to exactly these pixels
    cv2.imwrite(str(feed / "b.png"), pictures["koala"])
    window = make_window()
    window.auto_box.setChecked(True)
    window.set_snapshot_folder(tmp_path / "snaps")
    results: list[LiveResult] = []
    window.open_source(str(feed))  # two photos, looping, two per second
    assert window.session is not None
    window.session.result_ready.connect(results.append)
    qtbot.waitUntil(lambda: len({which(r, pictures) for r in results}) == 2 and len(results) >= 12, timeout=60000)
    shown_since: dict[int, float] = {}
    for live in results:
        animal = which(live, pictures)
        names = [p.label for p in live.result.predictions]
        first = shown_since.setdefault(live.frame.seq, live.frame.timestamp)
        if names and names[0] != animal:
            assert live.finished - first <= 1.0, (animal, names)  # never the other animal's name for more than a second
        other = next(name for name in pictures if name != animal)
        assert other not in names, (animal, names)  # the wrong name is never shown on this picture
    window.close_source()
    window.recorder.close()
    for sidecar in (tmp_path / "snaps").glob("*.json"):
        data = json.loads(sidecar.read_text())
        raw = cv2.imread(str(sidecar.with_name(data["files"]["raw"])))
        animal = min(pictures, key=lambda name: float(np.abs(raw.astype(int) - pictures[name].astype(int)).mean()))
        other = next(name for name in pictures if name != animal)
        assert other not in [p["label"] for p in data["predictions"]], sidecar.name


def which(live: LiveResult, pictures: dict[str, np.ndarray]) -> str:
    return next(name for name, pixels in pictures.items() if np.array_equal(live.frame.pixels, pixels))


@pytest.fixture
def koala_stream(tmp_path: Path, photos: Path):  # type: ignore[no-untyped-def]
    frames = tmp_path / "koala_frames"
    frames.mkdir()
    koala = cv2.imread(str(photos / KOALA))
    for k in range(24):
        cv2.imwrite(str(frames / f"{k:03d}.jpg"), koala, [cv2.IMWRITE_JPEG_QUALITY, 85 + k % 3])
    server = RtspServer(str(frames / "%03d.jpg"))
    server.start()
    yield server
    server.stop()


def test_one_animal_on_a_real_stream_is_one_sighting_and_one_snapshot(qtbot, make_window: MakeWindow, koala_stream: RtspServer,
                                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    window = make_window()
    window.auto_box.setChecked(True)
    window.set_snapshot_folder(tmp_path / "snaps")
    results: list[LiveResult] = []
    window.open_source(koala_stream.url)
    assert window.session is not None
    window.session.result_ready.connect(results.append)
    qtbot.waitUntil(lambda: sum(bool(r.result.predictions) for r in results) >= 15, timeout=60000)
    window.close_source()
    window.recorder.close()
    assert window.sightings.rowCount() == 1 and "koala" in window.sightings.row_label(0)
    assert len(list((tmp_path / "snaps").glob("*.json"))) == 1 and len(list((tmp_path / "snaps").glob("*.raw.jpg"))) == 1
    snapshot = next((tmp_path / "snaps").glob("*.json"))
    assert "koala" in snapshot.name  # named after the sighting
    started = [json.loads(line) for line in (tmp_path / "snaps" / "sightings.jsonl").read_text().splitlines()]
    assert [line["event"] for line in started].count("started") == 1
