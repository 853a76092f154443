"""Benchmark: training on a CPU, each mode on the same split of about 500 images.

    python bench/bench_train.py [--per-class 62] [--finetune-epochs 2] [--scratch-epochs 12]

The dataset is made from the project's real photos (training/sample_dataset.py):
8 classes (no registry package has 10 groups of distinct real photos), split by
source photo so the test images show animals never seen in training. Prints,
for each mode, wall time (feature extraction included), training images/s,
test top-1, and the export time. Numbers only, no pass/fail.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from training.config import TrainConfig  # noqa: E402
from training.export_user import export_checkpoint  # noqa: E402
from training.sample_dataset import make  # noqa: E402
from training.train import train  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=62)
    parser.add_argument("--head-epochs", type=int, default=30)
    parser.add_argument("--finetune-epochs", type=int, default=2)
    parser.add_argument("--scratch-epochs", type=int, default=12)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    with tempfile.TemporaryDirectory() as tmp:
        data = make(Path(tmp) / "data", per_class=args.per_class)
        images = sum(1 for _ in data.rglob("*.jpg"))
        print(f"dataset: {images} images, 8 classes, split by source photo; torch threads {torch.get_num_threads()}")
        runs = [
            ("head-only, mobilenet_v2", dict(mode="head", backbone="mobilenet_v2", epochs=args.head_epochs)),
            ("head-only, efficientnet_lite0", dict(mode="head", backbone="efficientnet_lite0", epochs=args.head_epochs)),
            ("full fine-tune, mobilenet_v2", dict(mode="finetune", backbone="mobilenet_v2", epochs=args.finetune_epochs, batch_size=16)),
            ("full fine-tune, efficientnet_lite0", dict(mode="finetune", backbone="efficientnet_lite0", epochs=args.finetune_epochs,
                                                       batch_size=16)),
            ("from scratch, small CNN, 128 px", dict(mode="scratch", image_size=128, epochs=args.scratch_epochs, lr=3e-3)),
        ]  # fmt: skip
        print(f"{'mode':38s} {'wall s':>7s} {'train img/s':>11s} {'epochs':>6s} {'test top-1':>10s} {'export s':>8s}")
        for name, options in runs:
            out = Path(tmp) / name.replace(" ", "_").replace(",", "")
            config = TrainConfig(data=str(data), out=str(out), labels=str(data / "labels.csv"), patience=50,
                                 cache=str(ROOT / ".cache" / "registry"), **options)  # type: ignore[arg-type]  # fmt: skip
            started = time.monotonic()
            outcome = train(config)
            wall = time.monotonic() - started
            epochs = outcome.history.epochs
            train_images = sum(1 for _ in (data / "train").rglob("*.jpg"))
            per_epoch = sum(e["seconds"] for e in epochs) / max(1, len(epochs))
            # Head-only epochs run on cached features (well under a second): its cost is the feature pass, in the wall time.
            rate_text = "cached" if config.mode == "head" else f"{train_images / per_epoch:.1f}"
            started = time.monotonic()
            export_checkpoint(outcome.model_file, out / "model.onnx")
            exported = time.monotonic() - started
            print(f"{name:38s} {wall:7.0f} {rate_text:>11s} {len(epochs):6d} {outcome.evaluation.top1:10.1%} {exported:8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
