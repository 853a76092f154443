"""Every CSV the program writes is safe to open in a spreadsheet: no cell starts a formula."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from livespecies.sightings.teach import Teaching, known_classes, save_example
from livespecies.spreadsheet_safe import safe_cell, unguarded
from livespecies.types import Frame, Taxon

DANGEROUS = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_starts_become_text_and_read_back(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert unguarded(safe_cell(text)) == text


@pytest.mark.parametrize("value", ["-12.5", "+3", "-0.0001", "1e-5", "polar bear", "", 0.93, -4, None])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert safe_cell(value) == value
    if isinstance(value, str):
        assert unguarded(value) == value


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_classify_csv_neutralises_a_formula_file_name(tmp_path: Path, photos: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    evil = folder / '=HYPERLINK("http:__example.invalid","open me").webp'
    shutil.copy(photos / "animals" / "explore_world_animals-polar_bear.webp", evil)
    # Run from the card's folder, so that the path cell starts with the file name, as a relative path does.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "livespecies", "classify", "--csv", evil.name], capture_output=True, text=True,
                          timeout=240, cwd=folder, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    values = cells(done.stdout)
    assert "'" + evil.name in values
    assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in values)
    assert not any(v.startswith("-") and not v.lstrip("-").replace(".", "", 1).isdigit() for v in values)


def test_a_class_named_like_a_formula_is_written_safe_and_read_back_as_named(tmp_path: Path) -> None:
    """The window's teach-a-class labels.csv: safe in a spreadsheet, and the class keeps its name for training."""
    name = "=cmd|' /C calc'!A0"
    teaching = Teaching(name, name, "", "species", (Taxon("class", "Mammalia"),), True)
    frame = Frame(1, 0.0, 0.0, np.zeros((32, 32, 3), np.uint8))
    save_example(tmp_path, teaching, frame, None, "test")
    text = (tmp_path / "labels.csv").read_text(encoding="utf-8")
    assert "'" + name in text and not any(c.startswith("=") for c in cells(text))
    assert [t.folder for t in known_classes(tmp_path)] == [name]

    from training.data.labels import read_labels_csv

    assert list(read_labels_csv(tmp_path / "labels.csv")) == [name]
