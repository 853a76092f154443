"""``classify --annotate DIR``: drawn copies mirroring the input folders; a disk that refuses them stops the run
with one sentence and loses nothing already recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.batch.checkpoint import checkpoint_path
from tests.batch.cli import classify

BEAR = "animals/explore_world_animals-polar_bear.webp"


@pytest.fixture
def cameras(tmp_path: Path, photos: Path) -> list[Path]:
    """Two camera folders, one with a nested day folder, and a JPEG and a PNG among the WebP photos."""
    north, south = tmp_path / "north", tmp_path / "south"
    (north / "day1").mkdir(parents=True)
    south.mkdir()
    shutil.copy(photos / BEAR, north / "day1" / "bear.webp")
    bear = cv2.imread(str(photos / BEAR))
    cv2.imwrite(str(south / "bear.jpg"), bear)
    cv2.imwrite(str(south / "bear.png"), bear)
    shutil.copy(photos / "blank/usa-canyondeChelly.webp", south / "empty.webp")
    return [north, south]


def test_copies_mirror_the_input_folders_with_the_boxes_drawn(cameras: list[Path], tmp_path: Path) -> None:
    out, drawn = tmp_path / "out.jsonl", tmp_path / "drawn"
    done = classify("--json", "--output", str(out), "--annotate", str(drawn), *map(str, cameras))
    assert done.returncode == 0, done.stderr
    copies = sorted(p.relative_to(drawn).as_posix() for p in drawn.rglob("*") if p.is_file())
    assert copies == ["north/day1/bear.webp", "south/bear.jpg", "south/bear.png", "south/empty.webp"]
    records = {Path(r["path"]).name + Path(r["path"]).parent.name: r for r in map(json.loads, out.read_text().splitlines())}
    bear = records["bear.pngsouth"]["predictions"][0]
    original = cv2.imread(str(cameras[1] / "bear.png"))
    copy = cv2.imread(str(drawn / "south/bear.png"))
    assert copy.shape == original.shape
    h, w = original.shape[:2]
    x0, y0 = round(bear["box"][0] * w), round(bear["box"][1] * h)
    changed = np.abs(copy.astype(int) - original.astype(int)).sum(axis=2) > 60
    assert changed[y0 - 2 : y0 + 3, x0 + 5 : x0 + 40].any(), "the box's top edge is drawn"
    assert np.array_equal(cv2.imread(str(drawn / "south/empty.webp")).shape, cv2.imread(str(cameras[1] / "empty.webp")).shape)
    assert not any(p.name.startswith(".") for p in drawn.rglob("*")), "no temporary file left behind"


def test_a_folder_that_refuses_the_copies_stops_the_run_in_one_sentence_and_resume_finishes(cameras: list[Path], tmp_path: Path) -> None:
    """A file where the copies' folder must go refuses them as a full or read-only disk would, for root too."""
    out, drawn = tmp_path / "out.jsonl", tmp_path / "drawn"
    drawn.mkdir()
    (drawn / "south").write_text("in the way")
    done = classify("--json", "--jobs", "1", "--output", str(out), "--annotate", str(drawn), *map(str, cameras))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()[-1:]
    assert "Cannot write the annotated copy" in line and "--resume" in line
    assert checkpoint_path(out).exists() and not out.exists()
    (drawn / "south").unlink()
    resumed = classify("--json", "--output", str(out), "--annotate", str(drawn), "--resume", *map(str, cameras))
    assert resumed.returncode == 0, resumed.stderr
    assert "done before, skipped" in resumed.stderr
    assert len(out.read_text().splitlines()) == 4
    assert len([p for p in drawn.rglob("*") if p.is_file()]) == 4
