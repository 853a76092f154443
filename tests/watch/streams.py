"""Helpers for the watcher tests: real RTSP streams on loopback made from real photos, config files, waiting on conditions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np


def scene_frames(photos: Path, folder: Path, animal_from: int | None, animal_until: int | None, total: int, seed: int = 0) -> str:
    """A fixed camera's JPEG sequence: a real landscape with sensor noise, and a real polar bear photo standing in it
    for frames ``animal_from`` to ``animal_until``. Returns the pattern the RTSP server loops."""
    folder.mkdir(parents=True, exist_ok=True)
    scene = cv2.resize(cv2.imread(str(photos / "blank/usa-canyondeChelly.webp")), (640, 360))
    animal = cv2.resize(cv2.imread(str(photos / "animals/explore_world_animals-polar_bear.webp")), (260, 195))
    rng = np.random.default_rng(seed)
    for index in range(total):
        frame = scene.copy()
        if animal_from is not None and animal_until is not None and animal_from <= index < animal_until:
            frame[120:315, 190:450] = animal
        noise = rng.normal(0, 3, frame.shape).astype(np.int16)
        frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"{index:03d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return str(folder / "%03d.jpg")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition (an event we cannot subscribe to, such as a row in another process's database)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def write_config(path: Path, cameras: list[dict[str, object]], extra: str = "") -> Path:
    lines = [f'snapshot_folder = "{path.parent / "snapshots"}"', "[database]", f'path = "{path.parent / "sightings.db"}"', "", extra]
    for camera in cameras:
        lines.append("[[cameras]]")
        for key, value in camera.items():
            if isinstance(value, dict):
                continue
            lines.append(f"{key} = {value!r}".replace("'", '"') if isinstance(value, str) else f"{key} = {value}")
        for table, values in camera.items():
            if isinstance(values, dict):
                lines.append(f"[cameras.{table}]")
                lines += [f"{k} = {str(v).lower() if isinstance(v, bool) else v}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
