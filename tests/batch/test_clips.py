"""Video clips in ``classify``: one answer per clip (each taxon with its best confidence, first and last time and best
frame), frame rows on request, MegaDetector's video convention, and one clear error per broken clip."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.batch.cli import ROOT, classify

DEMO = ROOT / "resources" / "demo" / "demo.mp4"  # 16 s at 12 fps: polar bear, hens, koala, red panda, dog, macaw, 3 s each (ATTRIBUTION.md)


@pytest.fixture(scope="module")
def demo_run() -> subprocess.CompletedProcess[str]:
    done = classify("--json", "--frames", str(DEMO))
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def demo_record(demo_run: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    [line] = demo_run.stdout.splitlines()
    return json.loads(line)  # type: ignore[no-any-return]


def test_the_summary_counts_clips_and_frames(demo_run: subprocess.CompletedProcess[str], demo_record: dict) -> None:  # type: ignore[type-arg]
    """It said "Classified 1 image … 0.2 images/s" for one clip."""
    sampled = demo_record["clip"]["frames_sampled"]
    assert f"Classified 1 clip ({sampled} frames sampled) in " in demo_run.stderr, demo_run.stderr
    assert "frames/s): 1 with animals" in demo_run.stderr and "image" not in demo_run.stderr


def test_a_clip_gets_one_record_with_each_taxon_when_and_where_it_was_best(demo_record: dict) -> None:  # type: ignore[type-arg]
    assert demo_record["error"] is None
    assert demo_record["clip"]["frame_rate"] == 12.0 and demo_record["clip"]["frames_read"] == 196
    assert demo_record["clip"]["frames_sampled"] >= 16  # one a second, plus scene changes
    by_name = {p["scientific_name"]: p for p in demo_record["predictions"]}
    bear, koala = by_name["Ursus maritimus"], by_name["Phascolarctos cinereus"]
    assert 0.0 <= bear["first_seen_s"] <= bear["last_seen_s"] < 3.5 and bear["best_frame"] < 42
    assert 5.5 <= koala["first_seen_s"] <= koala["last_seen_s"] < 9.5
    assert bear["confidence"] >= 0.9 and bear["box"] is not None
    # Each taxon once, best first (named answers before "unidentified <class>").
    assert len({(p["rank"], p["label"]) for p in demo_record["predictions"]}) == len(demo_record["predictions"])
    assert demo_record["predictions"][0]["confidence"] >= demo_record["predictions"][1]["confidence"]


def test_frame_rows_on_request(demo_record: dict) -> None:  # type: ignore[type-arg]
    frames = demo_record["frames"]
    assert len(frames) == demo_record["clip"]["frames_sampled"]
    assert [f["frame"] for f in frames] == sorted(f["frame"] for f in frames)
    assert {0, 12, 24}.issubset({f["frame"] for f in frames})
    assert any(p["scientific_name"] == "Ursus maritimus" for p in frames[0]["predictions"])
    rows = list(csv.DictReader(io.StringIO(classify("--csv", "--frames", str(DEMO)).stdout)))
    clip_rows = [r for r in rows if r["path"] == str(DEMO)]
    assert clip_rows and all(r["first_seen_s"] for r in clip_rows if r["label"])
    assert any(r["path"] == f"{DEMO}/frame000012.jpg" for r in rows)


def test_megadetector_output_follows_its_video_convention(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(DEMO, folder / "feeder.mp4")
    out = tmp_path / "md.json"
    done = classify("--format", "megadetector", "--output", str(out), str(folder))
    assert done.returncode == 0, done.stderr
    images = json.loads(out.read_text())["images"]
    assert images[0]["file"] == "feeder.mp4/frame000000.jpg" and images[0]["frame_rate"] == 12.0
    assert all(image["file"].startswith("feeder.mp4/frame") for image in images)
    assert images[0]["detections"] and images[0]["detections"][0]["classifications"]


def test_broken_clips_get_one_clear_error_each_and_the_rest_goes_on(tmp_path: Path, photos: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "a_empty.mp4").write_bytes(b"")
    (folder / "b_not_a_video.mp4").write_text("a text file with a video's name")
    (folder / "c_truncated.mp4").write_bytes(DEMO.read_bytes()[: DEMO.stat().st_size * 2 // 5])
    shutil.copy(photos / "animals/explore_world_animals-polar_bear.webp", folder / "d_bear.webp")
    done = classify("--json", str(folder))
    assert done.returncode == 1
    assert "Classified 1 image and 3 clips (0 frames sampled) in " in done.stderr and "3 failed" in done.stderr, done.stderr
    records = {Path(r["path"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert "is empty" in records["a_empty.mp4"]["error"]
    assert "not a video" in records["b_not_a_video.mp4"]["error"]
    assert any(word in records["c_truncated.mp4"]["error"] for word in ("truncated", "no readable"))
    assert all("\n" not in r["error"] for r in records.values() if r["error"])
    assert records["d_bear.webp"]["error"] is None and records["d_bear.webp"]["predictions"]


def test_a_clip_written_from_the_checkpoint_equals_the_direct_output(tmp_path: Path, demo_record: dict) -> None:  # type: ignore[type-arg]
    """The checkpoint keeps every field of a clip's record: --output (written from it at the end) equals stdout."""
    out = tmp_path / "clip.jsonl"
    assert classify("--json", "--frames", "--output", str(out), str(DEMO)).returncode == 0
    assert json.loads(out.read_text()) == demo_record
