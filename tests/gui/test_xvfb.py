"""A real window on a real X server (Xvfb, xcb platform): the demo with a labelled animal, checked from a screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from livespecies.overlay.draw import KNOWN, PLATE

ROOT = Path(__file__).resolve().parents[2]


def test_window_under_xvfb_shows_a_labelled_animal(tmp_path: Path) -> None:
    out = tmp_path / "screen.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("DISPLAY", None)
    command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, str(ROOT / "tests/gui/xvfb_screenshot.py"),
               str(out), str(tmp_path / "settings.ini")]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "platform xcb" in done.stdout and "1280x800" in done.stdout
    screen = cv2.imread(str(out))
    assert screen is not None and screen.shape == (800, 1280, 3)
    green = np.all(np.abs(screen.astype(int) - KNOWN) <= 3, axis=2).sum()
    plate = np.all(np.abs(screen.astype(int) - PLATE) <= 3, axis=2).sum()
    assert green > 300 and plate > 1000, (green, plate)
