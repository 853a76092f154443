"""An interrupted ``classify`` run over an archive resumes: nothing done twice, nothing lost, failures retried."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from livespecies.batch.checkpoint import checkpoint_path, describe_difference
from tests.batch.cli import ROOT, classify, recorded


@pytest.fixture
def archive(tmp_path: Path, photos: Path) -> Path:
    """60 real photos in two camera folders, and a file broken as a card pulled mid-copy, early in the order."""
    root = tmp_path / "season"
    sources = sorted((photos / "animals").glob("*.webp")) + sorted((photos / "blank").glob("*.webp"))
    for index in range(60):
        folder = root / f"cam{index % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(sources[index % len(sources)], folder / f"IMG_{index:04d}.webp")
    (root / "cam0" / "IMG_0000a.webp").write_bytes(sources[0].read_bytes()[:300])
    return root


def test_a_run_killed_with_sigkill_resumes_to_the_same_output_as_an_uninterrupted_run(archive: Path, tmp_path: Path, photos: Path) -> None:
    out = tmp_path / "out.jsonl"
    checkpoint = checkpoint_path(out)
    run = subprocess.Popen([sys.executable, "-m", "livespecies", "classify", "--json", "--jobs", "1", "--output", str(out), str(archive)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 300
    while recorded(checkpoint) < 8:  # wait for the event "8 images are durably recorded", not for a time
        assert run.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "nothing was recorded"
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert not out.exists(), "the output appears only when the run is complete"
    before = recorded(checkpoint)
    assert 8 <= before < 61
    with sqlite3.connect(checkpoint) as db:
        failed = [p for (p,) in db.execute("SELECT path FROM records WHERE failed = 1")]
    assert failed == [str(archive / "cam0" / "IMG_0000a.webp")], "the broken file is recorded as failed"

    # The user copies the file again from the card; the resumed run retries it.
    shutil.copy(sorted((photos / "animals").glob("*.webp"))[0], archive / "cam0" / "IMG_0000a.webp")
    reference = tmp_path / "reference.jsonl"
    assert classify("--json", "--output", str(reference), str(archive)).returncode == 0

    resumed = classify("--json", "--output", str(out), "--resume", str(archive))
    assert resumed.returncode == 0, resumed.stderr
    assert "done before, skipped" in resumed.stderr
    assert not checkpoint.exists(), "the checkpoint goes once the output is complete"
    lines = out.read_text(encoding="utf-8").splitlines()
    paths = [json.loads(line)["path"] for line in lines]
    assert len(paths) == 61 and len(set(paths)) == 61, "no image twice, none missing"
    assert all(json.loads(line)["error"] is None for line in lines), "the failure was retried"
    assert out.read_bytes() == reference.read_bytes(), "the same output as an uninterrupted run"


def test_every_output_format_is_written_from_the_record_at_the_end(archive: Path, tmp_path: Path) -> None:
    for fmt in ("--csv", "--format=megadetector"):
        out = tmp_path / f"out{fmt.replace('=', '-')}"
        done = classify(fmt, "--output", str(out), str(archive))
        assert done.returncode == 1, done.stderr  # the broken file
        assert out.stat().st_size > 0 and not checkpoint_path(out).exists()
    document = json.loads((tmp_path / "out--format-megadetector").read_text(encoding="utf-8"))
    assert len(document["images"]) == 61 and sum("failure" in image for image in document["images"]) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [(["--threshold", "0.5"], "other settings (threshold 0.7 → 0.5)"),
     (["--no-specialists"], "other models"),
     (["--detector-size", "416"], "other settings (detector_size None → 416)")],
)  # fmt: skip
def test_resuming_with_other_models_settings_or_inputs_is_refused_in_one_sentence(archive: Path, tmp_path: Path, change: list[str],
                                                                                   message: str) -> None:  # fmt: skip
    out = tmp_path / "out.jsonl"
    checkpoint = checkpoint_path(out)
    interrupted(out, archive, records=2)
    refused = classify("--json", "--output", str(out), "--resume", *change, str(archive))
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert message in line and "delete" in line
    other_inputs = classify("--json", "--output", str(out), "--resume", str(archive / "cam0"))
    assert other_inputs.returncode == 2 and "other inputs" in other_inputs.stderr
    again = classify("--json", "--output", str(out), str(archive))
    assert again.returncode == 2 and "add --resume" in again.stderr
    assert recorded(checkpoint) >= 2, "a refused resume loses nothing already recorded"


def test_resume_needs_an_output_file(archive: Path) -> None:
    done = classify("--json", "--resume", str(archive))
    assert done.returncode == 2 and "--output" in done.stderr


def interrupted(out: Path, archive: Path, *args: str, records: int = 1) -> None:
    """A run of ``archive`` to ``out`` killed once it has durably recorded ``records`` photos (or a few more)."""
    checkpoint = checkpoint_path(out)
    run = subprocess.Popen([sys.executable, "-m", "livespecies", "classify", "--json", "--jobs", "1", *args, "--output", str(out), str(archive)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    while recorded(checkpoint) < records:
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    run.kill()
    run.wait()


def test_a_resume_with_another_species_list_names_the_files(archive: Path, tmp_path: Path) -> None:
    """It printed a raw hash: "other settings (species_list None → '8af18dde…')"."""
    river, forest = tmp_path / "river.txt", tmp_path / "forest.txt"
    river.write_text("Ursus maritimus\nGallus gallus\n")
    forest.write_text("Ursus maritimus\n")
    out = tmp_path / "out.jsonl"
    interrupted(out, archive, "--species-list", str(river))
    for change, named in [(["--species-list", str(forest)], f"species list {river} → {forest}"), ([], f"species list {river} → none")]:
        refused = classify("--json", "--output", str(out), "--resume", *change, str(archive))
        [line] = refused.stderr.strip().splitlines()
        assert refused.returncode == 2 and named in line and "delete" in line, line
    river.write_text("Ursus maritimus\n")  # the same file, edited since
    refused = classify("--json", "--output", str(out), "--resume", "--species-list", str(river), str(archive))
    [line] = refused.stderr.strip().splitlines()
    assert refused.returncode == 2 and f"species list {river} (changed since that run)" in line, line
    assert recorded(checkpoint_path(out)) >= 1, "a refused resume loses nothing already recorded"


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [({"species_list": None}, {"species_list": "ab"}, "other settings (species list none → /b.txt)"),
     ({"species_list": "aa"}, {"species_list": "ab"}, "other settings (species list /a.txt → /b.txt)"),
     ({"species_list": "aa"}, {"species_list": None}, "other settings (species list /a.txt → none)"),
     ({"species_list": "aa", "threshold": 0.7}, {"species_list": "ab", "threshold": 0.5},
      "other settings (species list /a.txt → /b.txt; threshold 0.7 → 0.5)")],
)  # fmt: skip
def test_a_species_list_is_named_by_its_file_not_its_digest(old: dict[str, object], new: dict[str, object], said: str) -> None:
    names = {None: None, "aa": "/a.txt", "ab": "/b.txt"}
    old_names, new_names = {"species_list": names[old["species_list"]]}, {"species_list": names[new["species_list"]]}  # type: ignore[index]
    assert describe_difference("settings", old, new, old_names, new_names) == said


def test_a_checkpoint_that_kept_no_file_names_still_says_what_changed() -> None:
    """Checkpoints written before the names were kept hold only the digest."""
    said = describe_difference("settings", {"species_list": "aa"}, {"species_list": "ab"}, {}, {"species_list": "/b.txt"})
    assert said == "other settings (species list another file → /b.txt)"
