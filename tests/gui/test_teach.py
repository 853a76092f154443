"""The teach loop in the real window: confirm or correct sightings on real frames, then train in a subprocess."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from livespecies.gui.sightings_panel import CORRECT
from livespecies.gui.training_run import TrainDialog, specialist_scope, training_unavailable
from livespecies.sightings.teach import examples_per_class, known_classes
from tests.gui.conftest import MakeWindow, single_photo_folder

ROOT = Path(__file__).resolve().parents[2]
CACHE = str(ROOT / ".cache" / "registry")

# CI runs these with the training extra (Python 3.11); its runtime-only run on the newest Python has no torch.
NEEDS_TRAINING = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the training extra (torch)")


def sighting(qtbot, window, photos: Path, tmp_path: Path, name: str) -> int:  # type: ignore[no-untyped-def]
    window.open_source(str(single_photo_folder(photos, tmp_path, name)))
    qtbot.waitUntil(lambda: window.sightings.rowCount() >= 1 and len(window.evidence) > 0, timeout=30000)
    return 0


def test_confirm_correct_and_mark_empty_save_labelled_examples(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    examples = tmp_path / "examples"
    window.set_teach_folder(examples)
    row = sighting(qtbot, window, photos, tmp_path, "animals/explore_world_animals-polar_bear.webp")
    assert window.sightings.teach_actions(row)[0][0] == "Confirm: polar bear"
    with qtbot.waitSignal(window.example_saved, timeout=10000):
        window.sightings.teach_requested.emit(row, None)  # the right-click menu's "Confirm"
    with qtbot.waitSignal(window.example_saved, timeout=10000):
        window.sightings.teach_requested.emit(row, "empty")
    with qtbot.waitSignal(window.example_saved, timeout=10000):
        assert window.teach_sighting(row, "Arctic fox")  # what "Correct the species…" does with the typed name
    assert examples_per_class(examples) == {"arctic_fox": 1, "empty": 1, "polar_bear": 1}
    sidecar = json.loads(next((examples / "polar_bear").glob("*.json")).read_text())
    assert sidecar["unidentified"][0]["box"] and sidecar["reason"] == "teach"  # the box the training crop comes from
    rows = {r["folder"]: r for r in csv.DictReader((examples / "labels.csv").open())}
    assert rows["polar_bear"]["scientific_name"] == "Ursus maritimus" and "family:Ursidae" in rows["polar_bear"]["lineage"]
    assert rows["empty"]["organism"] == "no" and rows["arctic_fox"]["organism"] == "yes"
    assert window.sightings.row_label(row).endswith("→ Arctic fox ✓")
    assert "Saved as an example of Arctic fox" in window.notice_label.text()
    assert {t.folder for t in known_classes(examples)} == {"arctic_fox", "empty", "polar_bear"}


def test_a_sighting_whose_frame_is_gone_says_so(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.set_teach_folder(tmp_path / "examples")
    row = sighting(qtbot, window, photos, tmp_path, "animals/explore_world_animals-koala.webp")
    window.evidence.clear()
    assert not window.teach_sighting(row, None)
    assert "no longer kept" in window.error_text


def make_examples(photos: Path, root: Path) -> Path:
    """A teach folder as the window writes it, from real photos: three classes of four examples."""
    examples = root / "examples"
    sources = {"polar_bear": ["animals/explore_world_animals-polar_bear.webp", "animals/explore_world_animals-panda.webp"],
               "koala": ["animals/explore_world_animals-koala.webp", "animals/explore_world_animals-lemur.webp"],
               "empty": ["blank/usa-canyondeChelly.webp", "blank/wonders-petra.webp"]}  # fmt: skip
    for folder, names in sources.items():
        (examples / folder).mkdir(parents=True)
        for k in range(4):
            shutil.copy(photos / names[k % 2], examples / folder / f"{folder}_{k}.raw.jpg")
    (examples / "labels.csv").write_text(
        "folder,common_name,scientific_name,rank,lineage,organism\n"
        "empty,empty,,,,no\n"
        "koala,koala,Phascolarctos cinereus,species,genus:Phascolarctos;class:Mammalia;kingdom:Animalia,yes\n"
        "polar_bear,polar bear,Ursus maritimus,species,genus:Ursus;class:Mammalia;kingdom:Animalia,yes\n"
    )
    return examples


QUICK = ["--image-size", "64", "--epochs", "2", "--min-per-class=3", "--input", "whole-frame", "--val-fraction", "0.25",
         "--test-fraction", "0.25", "--cache", CACHE]  # fmt: skip


@NEEDS_TRAINING
def test_train_runs_in_a_subprocess_shows_progress_and_loads_the_model(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.set_teach_folder(make_examples(photos, tmp_path))
    assert specialist_scope(window.teach_folder) == "class:Mammalia"
    dialog = window.open_training(QUICK)
    assert dialog.start_button.isEnabled() and "koala 4" in dialog.examples_label.text()
    messages: list[str] = []
    dialog.progress.valueChanged.connect(lambda _: messages.append(dialog.message.text()))
    dialog.role_box.setCurrentIndex(1)  # as a specialist for Mammalia, behind the shipped classifier
    with qtbot.waitSignal(dialog.model_ready, timeout=240000) as ready:
        dialog.start()
    path, role = ready.args
    assert role == "specialist" and Path(path).is_file()
    assert any("preparing whole-frame views" in m for m in messages) and any("min left" in m for m in messages)
    assert dialog.progress.value() == 1000 and dialog.report_view.isVisible()
    assert "right, wrong and abstained" in dialog.report_view.toPlainText()
    qtbot.waitUntil(lambda: any(s.scope.name == "Mammalia" for s in window.options.recognizer.classifier.specialists),  # type: ignore[union-attr]
                    timeout=30000)  # the window loads it in the background  # fmt: skip
    specialists = window.options.recognizer.classifier.specialists  # type: ignore[union-attr]
    assert any(s.scope.name == "Mammalia" for s in specialists)


@NEEDS_TRAINING
def test_cancel_stops_the_subprocess_and_loads_nothing(qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.set_teach_folder(make_examples(photos, tmp_path))
    before = window.options.recognizer
    dialog = window.open_training(QUICK)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.process is not None and dialog.process.processId() > 0, timeout=10000)
    process = dialog.process
    dialog.cancel()
    assert process is not None and process.state() == process.ProcessState.NotRunning
    assert "cancelled" in dialog.message.text() and dialog.start_button.isEnabled()
    assert window.options.recognizer is before


@NEEDS_TRAINING  # without torch the dialog leads with the missing extra, which the second half checks
def test_too_few_examples_or_no_training_extra_is_one_sentence(qtbot, make_window: MakeWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    (tmp_path / "examples" / "fox").mkdir(parents=True)
    window.set_teach_folder(tmp_path / "examples")
    dialog = TrainDialog(window.teach_folder, tmp_path / "runs", window)
    assert not dialog.start_button.isEnabled() and "Teach at least two classes" in dialog.message.text()
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    problem = training_unavailable()
    assert problem is not None and "pip install -e '.[training]'" in problem and "\n" not in problem
    assert not TrainDialog(window.teach_folder, tmp_path / "runs", window).start_button.isEnabled()


@pytest.mark.parametrize("name", [None, "empty", CORRECT])
def test_the_menu_offers_confirm_correct_and_the_non_animals(name: object, qtbot, make_window: MakeWindow, photos: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    row = sighting(qtbot, window, photos, tmp_path, "animals/explore_world_animals-koala.webp")
    assert name in [value for _, value in window.sightings.teach_actions(row)]
