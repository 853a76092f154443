"""Make the bundled demo clip from real public-domain / CC0 photos in tests/data/photos.

    python -m training.demo_clip --out resources/demo/demo.mp4

Each photo is shown for a few seconds with a slow zoom and pan (so the detector
sees the animal move a little, as on a live feed), with short cross-fades.
The result is an MPEG-4 Part 2 (mp4v) file, which OpenCV's wheels write and read
everywhere. Attribution is written beside it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import cv2
import numpy as np

PHOTOS = Path("tests/data/photos")
# Chosen for variety and because the shipped models name them at species level (see README).
SCENES = (
    "animals/explore_world_animals-polar_bear.webp",
    "animals/explore_farm_animals-chicken.webp",
    "animals/explore_world_animals-koala.webp",
    "animals/erase-red_panda.webp",
    "animals/explore_farm_animals-dog.webp",
    "animals/explore_world_animals-scarlet_macaw.webp",
)


def frames_for(image: np.ndarray, size: tuple[int, int], count: int, zoom: float = 0.12) -> list[np.ndarray]:
    """``count`` frames of a slow zoom-in, centred, cropped to the clip's aspect ratio."""
    width, height = size
    h, w = image.shape[:2]
    base = min(w / width, h / height)
    out = []
    for k in range(count):
        t = k / max(1, count - 1)
        scale = base / (1 + zoom * t)
        cw, ch = width * scale, height * scale
        cx = w / 2 + (t - 0.5) * 0.04 * w
        cy = h / 2
        x0 = int(np.clip(cx - cw / 2, 0, w - cw))
        y0 = int(np.clip(cy - ch / 2, 0, h - ch))
        crop = image[y0 : y0 + int(ch), x0 : x0 + int(cw)]
        out.append(cv2.resize(crop, size, interpolation=cv2.INTER_AREA))
    return out


def make_clip(out: Path, size: tuple[int, int] = (800, 450), fps: int = 12, seconds: float = 3.0, fade: float = 0.4) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {out}")
    per_scene = int(seconds * fps)
    fade_frames = int(fade * fps)
    previous: list[np.ndarray] = []
    for scene in SCENES:
        image = cv2.imread(str(PHOTOS / scene))
        frames = frames_for(image, size, per_scene)
        if previous:
            for k in range(fade_frames):
                alpha = (k + 1) / (fade_frames + 1)
                frames[k] = cv2.addWeighted(previous[-fade_frames + k], 1 - alpha, frames[k], alpha, 0)
            for frame in previous[:-fade_frames]:
                writer.write(frame)
        previous = frames
    for frame in previous:
        writer.write(frame)
    writer.release()


def write_attribution(out: Path) -> None:
    rows = (PHOTOS / "ATTRIBUTION.md").read_text(encoding="utf-8").splitlines()
    wanted = [r for r in rows if re.match(r"\| (\S+) \|", r) and r.split("|")[1].strip() in SCENES]
    text = [
        "# Demo clip",
        "",
        f"`{out.name}` is made by `python -m training.demo_clip` from these real photos (Wikimedia Commons, as shipped in",
        "Debian's `gcompris-qt-data`), in this order, each shown 3 s with a slow zoom. The clip is released under the",
        "same terms: the photos are Public Domain or CC0.",
        "",
        "| photo | author | licence | source |",
        "|---|---|---|---|",
        *sorted(wanted, key=lambda r: SCENES.index(r.split("|")[1].strip())),
    ]
    (out.parent / "ATTRIBUTION.md").write_text("\n".join(text) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("resources/demo/demo.mp4"))
    args = parser.parse_args()
    make_clip(args.out)
    write_attribution(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
