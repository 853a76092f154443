"""Train → export → recognize, end to end on CPU, on a small dataset made from the project's real photos.

Sizes are small (64 px, 2 epochs) so the whole file runs in about a minute; the benchmark
(bench/bench_train.py) measures the real settings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from livespecies.inference.assembly import ModelChoice, assemble
from livespecies.inference.defaults import default_detector
from livespecies.inference.engine import EngineSettings
from livespecies.inference.model_file import load_model
from training.commands import train_main
from training.config import ConfigError, TrainConfig
from training.export_user import export_checkpoint
from training.frame_eval import OPERATING_THRESHOLDS
from training.networks import BACKBONES
from training.sample_dataset import make
from training.train import TrainingInterrupted, train

ROOT = Path(__file__).resolve().parents[2]
CACHE = str(ROOT / ".cache" / "registry")
CLASSES = ["bird", "carnivore", "fish", "landscape"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("sample"), per_class=20, classes=CLASSES, size=160)


def config(dataset: Path, out: Path, **changes: object) -> TrainConfig:
    base = dict(data=str(dataset), out=str(out), labels=str(dataset / "labels.csv"), image_size=64, epochs=2, batch_size=16,
                min_per_class=3, cache=CACHE)  # fmt: skip
    base.update(changes)
    return TrainConfig(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def head_run(dataset: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return train(config(dataset, tmp_path_factory.mktemp("head"), baseline=True))


def test_head_training_writes_checkpoint_report_and_plots(head_run) -> None:  # type: ignore[no-untyped-def]
    out = head_run.config.out_path
    assert head_run.model_file.is_file()
    report = (out / "report.md").read_text()
    for section in ("## Data", "| bird |", "## What the model sees", "## Training", "kept epoch", "## Calibration",
                    "## Test frames: right, wrong and abstained by threshold", "(the model's default) |", "top-1 accuracy",
                    "expected calibration error", "| class | precision | recall |", "## From scratch, for comparison"):  # fmt: skip
        assert section in report, section
    for plot in ("curves.png", "confusion.png", "calibration.png"):
        assert (out / plot).stat().st_size > 5000
    assert len(head_run.history.epochs) == 2 and head_run.temperature > 0
    assert head_run.evaluation.split == "test views" and head_run.tradeoff[0].frames == 12  # 12 test frames, some with several crops
    split = json.loads((out / "split.json").read_text())
    assert all(Path(p).parent.parent.name == "test" for p in split["test"])  # the dataset's own split was kept


def test_exported_model_loads_in_the_engine_with_the_shipped_detector(head_run, dataset: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = export_checkpoint(head_run.model_file, tmp_path / "mine.onnx")
    assert report.max_abs_diff < 1e-4  # onnxruntime vs PyTorch, checked inside every export
    model = load_model(report.path)
    contract = model.contract
    assert [label.key for label in contract.labels] == CLASSES
    assert contract.output.temperature == pytest.approx(head_run.temperature)
    # The default backbone, EfficientNet-Lite0, normalises as (x - 127) / 128 on 0..255 pixels: read from the contract.
    lite = BACKBONES["efficientnet_lite0"].normalisation
    assert contract.input.height == 64 and contract.input.mean == pytest.approx(lite.mean) and contract.input.std == pytest.approx(lite.std)
    fish = next(label for label in contract.labels if label.key == "fish")
    assert fish.lineage[0].name == "Actinopterygii" and fish.lineage[-1].name == "Animalia"
    assert not next(label for label in contract.labels if label.key == "landscape").organism
    # Its own threshold, chosen on its validation frames, is the engine's default for it; one asked for wins.
    assert contract.application is not None and contract.application.threshold in OPERATING_THRESHOLDS
    assert assemble(ModelChoice(report.path, None), EngineSettings()).threshold == contract.application.threshold
    recognizer = assemble(ModelChoice(report.path, default_detector()), EngineSettings(threshold=0.3))
    assert recognizer.threshold == 0.3
    image = np.ascontiguousarray(np.full((240, 320, 3), 90, np.uint8))
    assert recognizer.recognize(image).width == 320
    done = subprocess.run([sys.executable, "-m", "livespecies", "classify", "--json", "--model", str(report.path), "--threshold", "0.3",
                           str(dataset / "test" / "bird")], capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 3 and all(r["error"] is None for r in rows)


def test_resume_after_an_interruption_continues_to_the_same_result(dataset: Path, tmp_path: Path) -> None:
    whole = train(config(dataset, tmp_path / "whole", epochs=3, augment="none"))
    with pytest.raises(TrainingInterrupted):
        train(config(dataset, tmp_path / "cut", epochs=3, augment="none", stop_after=1))
    assert list((tmp_path / "cut").glob("head-*-last.pt")) and not (tmp_path / "cut" / "model.pt").exists()
    resumed = train(config(dataset, tmp_path / "cut", epochs=3, augment="none", resume=True))
    assert len(resumed.history.epochs) == 3
    a = torch.load(whole.model_file, weights_only=False)["state_dict"]
    b = torch.load(resumed.model_file, weights_only=False)["state_dict"]
    for key in ("classifier.1.weight", "classifier.1.bias"):
        assert torch.allclose(a[key], b[key], atol=1e-5), key


@pytest.mark.parametrize("mode", ["finetune", "scratch"])
def test_other_modes_train_and_export(mode: str, dataset: Path, tmp_path: Path) -> None:
    outcome = train(config(dataset, tmp_path / mode, mode=mode, epochs=1, balance="sampler", backbone="efficientnet_lite0"))
    assert outcome.history.epochs[0]["train_loss"] > 0
    report = export_checkpoint(outcome.model_file, tmp_path / f"{mode}.onnx")
    assert report.max_abs_diff < 1e-4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "epochs = 0 is outside 1..1000"),
        (["--image-size", "100"], "must be a multiple of 32"),
        (["--augment", "wild"], "augment = 'wild' is not one of"),
        (["--val-fraction", "0.5", "--test-fraction", "0.45"], "must leave most images for training"),
    ],
)
def test_bad_options_are_one_line(args: list[str], message: str, dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train_main(["--data", str(dataset), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_config_file_is_strict_and_flags_override_it(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('data = "x"\nepochz = 3\n')
    assert train_main(["--config", str(bad)]) == 2
    assert "unknown option(s) epochz" in capsys.readouterr().err
    for line, message in (('epochs = "20"', "epochs = '20' must be a whole number"), ("epochs = 2.5", "epochs = 2.5 must be a whole number"),
                          ("baseline = 1", "baseline = 1 must be true or false"), ("lr = true", "lr = True must be a number")):  # fmt: skip
        bad.write_text(f'data = "x"\n{line}\n')
        assert train_main(["--config", str(bad)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    good = tmp_path / "run.toml"
    good.write_text(f'data = "{dataset}"\nout = "{tmp_path / "cfg"}"\nimage_size = 64\nepochs = 5\nmin_per_class = 3\ncache = "{CACHE}"\n')
    assert train_main(["--config", str(good), "--epochs", "1", "--labels", str(dataset / "labels.csv")]) == 0
    checkpoint = torch.load(tmp_path / "cfg" / "model.pt", weights_only=False)
    assert checkpoint["config"]["epochs"] == 1 and checkpoint["config"]["image_size"] == 64


def test_export_refuses_a_file_that_is_not_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from training.export_user import main as export_main

    (tmp_path / "x.pt").write_bytes(b"nonsense")
    assert export_main(["--checkpoint", str(tmp_path / "x.pt"), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "is not a livespecies training checkpoint" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        TrainConfig(data="x", mode="bogus")  # type: ignore[arg-type]


def test_evaluate_command_on_new_labelled_photos(head_run, dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from training.commands import evaluate_main

    assert evaluate_main(["--checkpoint", str(head_run.model_file), "--data", str(dataset / "test"), "--out", str(tmp_path)]) == 0
    assert "top-1" in capsys.readouterr().out
    text = (tmp_path / "evaluation.md").read_text()
    assert "| carnivore |" in text and (tmp_path / "eval-confusion.png").is_file()
    (tmp_path / "other" / "wolf").mkdir(parents=True)
    (tmp_path / "other" / "wolf" / "w.jpg").write_bytes((next((dataset / "test" / "bird").glob("*.jpg"))).read_bytes())
    assert evaluate_main(["--checkpoint", str(head_run.model_file), "--data", str(tmp_path / "other")]) == 2
    assert "wolf that the model was not trained on" in capsys.readouterr().err


def test_export_with_a_scope_makes_a_specialist_the_engine_routes_to(head_run, dataset: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A user's model can declare a scope and be loaded with --specialist; a scope its labels do not fit is one sentence."""
    from training.export_user import main as export_main

    refused = tmp_path / "birds.onnx"
    assert export_main(["--checkpoint", str(head_run.model_file), "--out", str(refused), "--scope", "class:Aves"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "does not descend from the model's scope class Aves" in error[0] and not refused.exists()
    assert export_main(["--checkpoint", str(head_run.model_file), "--out", str(refused), "--scope", "Aves"]) == 2
    assert "is not RANK:NAME" in capsys.readouterr().err

    mine = tmp_path / "animals.onnx"
    arguments = ["--checkpoint", str(head_run.model_file), "--out", str(mine), "--scope", "kingdom:Animalia", "--model-id", "user/mine@1"]
    assert export_main(arguments) == 0
    scope = load_model(mine).contract.scope
    assert scope is not None and (scope.rank, scope.name) == ("kingdom", "Animalia")
    done = subprocess.run([sys.executable, "-m", "livespecies", "classify", "--json", "--specialist", str(mine), "--threshold", "0.3",
                           str(dataset / "test" / "bird")], capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    models = {m for line in done.stdout.splitlines() for p in json.loads(line)["predictions"] for m in p["models"]}
    assert "user/mine@1" in models
