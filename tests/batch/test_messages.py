"""What ``classify`` tells a user who gave it something it cannot use: an output or annotation folder that is
read-only, a path that does not exist. Each is one line, exit 2, before any work, with what to do instead."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from livespecies.batch.checkpoint import checkpoint_path
from tests.batch.cli import classify
from tests.filesystems import read_only_folder

BEAR = "animals/explore_world_animals-polar_bear.webp"


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("where", ["out.jsonl", "sub/out.jsonl"])
def test_an_output_in_a_read_only_folder_says_the_folder_is_read_only(where: str, photos: Path, tmp_path: Path) -> None:
    """It said "…checkpoint.sqlite cannot be used as a checkpoint (unable to open database file); delete it", about a file
    that does not exist."""
    with read_only_folder(tmp_path / "ro") as ro:
        done = classify("--json", "--output", str(ro / where), str(photos / BEAR))
        assert not any(ro.iterdir())
    line = one_line(done)
    assert done.returncode == 2 and done.stdout == ""
    assert f"the folder {ro} is" in line and "read-only" in line and "--output" in line, line
    assert "checkpoint" not in line and "delete" not in line, line


def test_annotated_copies_to_a_read_only_folder_stop_before_any_work(photos: Path, tmp_path: Path) -> None:
    """It said "make room and run again with --resume" after the first photo, although nothing went to stdout and
    --resume needs --output."""
    out = tmp_path / "out.jsonl"
    with read_only_folder(tmp_path / "ro") as ro:
        to_stdout = classify("--json", "--annotate", str(ro / "annotated"), str(photos / "animals"))
        to_file = classify("--json", "--output", str(out), "--annotate", str(ro), str(photos / "animals"))
    line = one_line(to_stdout)
    assert to_stdout.returncode == 2 and to_stdout.stdout == ""
    assert f"the folder {ro} is" in line and "read-only" in line and "--annotate" in line, line
    assert "--resume" not in line and "room" not in line, line
    assert to_file.returncode == 2 and "read-only" in one_line(to_file) and "--annotate" in one_line(to_file)
    assert not out.exists() and not checkpoint_path(out).exists(), "refused before any work: no checkpoint to resume"


@pytest.mark.parametrize("with_a_good_photo", [False, True])
def test_a_path_that_does_not_exist_is_named_before_any_work(with_a_good_photo: bool, photos: Path, tmp_path: Path) -> None:
    """It said "Classified 1 image … (2570.9 images/s) … 1 failed"."""
    missing = tmp_path / "card" / "DCIM"
    given = [str(photos / BEAR)] if with_a_good_photo else []
    done = classify("--json", *given, str(missing))
    line = one_line(done)
    assert done.returncode == 2 and done.stdout == ""
    assert f"{missing} does not exist" in line and "Classified" not in line, line
