"""The watcher's web page tells the truth about a failing camera: a dead RTSP stream on loopback shows its error in
the Cameras panel and the API while it fails, and the time of that error once the stream is back."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx

from livespecies.capture.reader import ReconnectPolicy
from livespecies.inference.engine import Recognizer
from livespecies.watch.config import load_config
from livespecies.watch.watcher import Watcher
from tests.servers.rtsp import RtspServer, free_port
from tests.watch.streams import scene_frames, wait_until, write_config

QUICK = ReconnectPolicy(first_delay=0.5, factor=2.0, max_delay=2.0)


def panel_row(page: str, label: str) -> str:
    """The value of one row of the Cameras panel, as the reader sees it."""
    found = re.search(rf"<th>{re.escape(label)}</th><td class=\"num\">([^<]*)</td>", page)
    assert found, f"no '{label}' row in the page"
    return html.unescape(found.group(1))


def test_a_failing_camera_shows_its_error_on_the_cameras_panel(tmp_path: Path, photos: Path, recognizer: Recognizer) -> None:
    """Defect: the panel said "Last error: –" while the camera's stream was refused on every try."""
    stream = RtspServer(scene_frames(photos, tmp_path / "frames", 0, 60, 60))  # its port is chosen, nothing listens yet
    web = f'[web]\naddress = "127.0.0.1"\nport = {free_port()}\n'
    config = load_config(write_config(tmp_path / "watch.toml", [{"name": "gate", "source": stream.url}], extra=web))
    watcher = Watcher(config, recognizer, QUICK)
    watcher.start()
    try:
        base = f"http://127.0.0.1:{config.web.port}"  # type: ignore[union-attr]

        def camera() -> dict[str, object]:
            [gate] = httpx.get(f"{base}/api/cameras", timeout=30).json()["cameras"]
            return gate["state"]  # type: ignore[no-any-return]

        wait_until(lambda: camera()["status"] == "reconnecting" and camera()["last_error"] is not None, 30, "the refusal reported")
        failing = httpx.get(f"{base}/cameras", timeout=30).text
        assert f"refused: nothing listens on 127.0.0.1:{stream.port}" in panel_row(failing, "Last error")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", panel_row(failing, "Last error at"))
        stream.start()
        wait_until(lambda: camera()["status"] == "live", 30, "the stream back")
        back = httpx.get(f"{base}/cameras", timeout=30).text
        # Still there once the camera is live again: the last error, with its time, for whoever looks the next morning.
        assert "refused" in panel_row(back, "Last error") and panel_row(back, "Last error at") >= panel_row(failing, "Last error at")
    finally:
        watcher.stop()
        stream.stop()
