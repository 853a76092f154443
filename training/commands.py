"""``python -m training train`` and ``python -m training evaluate``: argument parsing and one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from livespecies.errors import UserError
from training.config import add_arguments, from_arguments


def train_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training train",
        description="Train a species classifier on your own labelled photos (folder per class). "
        "Writes OUT/model.pt and OUT/report.md; export with `python -m training export`.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    from training.train import train

    try:
        config = from_arguments(args)
        outcome = train(config)
    except UserError as exc:
        print(f"training: {exc}", file=sys.stderr)
        return 2
    print(f"{outcome.model_file}: {outcome.evaluation.split} top-1 {outcome.evaluation.top1:.1%}; report {config.out_path / 'report.md'}")
    return 0


def evaluate_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training evaluate",
        description="Evaluate a trained checkpoint on new labelled frames (class folders or a path,label CSV named as in "
        "training), as the engine will use it: its own input kind, every frame through the engine's decision.",
    )
    parser.add_argument("--checkpoint", type=Path, required=True, help="model.pt from `python -m training train`")
    parser.add_argument("--data", type=Path, required=True, help="folder of class folders, or a path,label CSV")
    parser.add_argument("--out", type=Path, default=None, help="where to write evaluation.md (default: beside the checkpoint)")
    args = parser.parse_args(argv)
    from livespecies.inference.contract import label_from_dict
    from livespecies.inference.defaults import float_detector
    from livespecies.inference.detector import AnimalDetector
    from livespecies.inference.engine import EngineSettings
    from livespecies.inference.model_file import load_model
    from training import frame_eval
    from training.data.dataset import scan
    from training.data.views import build_views
    from training.export_user import load_checkpoint
    from training.networks import BACKBONES, build
    from training.presets import eval_transform
    from training.report import evaluate_logits, evaluation_section, tradeoff_section
    from training.train import ImageFiles, logits_of

    try:
        checkpoint = load_checkpoint(args.checkpoint)
        dataset = scan(args.data, min_per_class=1, warn_below=0, min_classes=1)  # evaluating one species is fine
        classes = list(checkpoint["classes"])
        unknown = sorted(set(dataset.classes) - set(classes))
        if unknown:
            raise UserError(f"{args.data} has class(es) {', '.join(unknown)} that the model was not trained on.")
    except UserError as exc:
        print(f"training: {exc}", file=sys.stderr)
        return 2
    specs = [label_from_dict(label, f"labels[{k}]", str(args.checkpoint)) for k, label in enumerate(checkpoint["labels"])]
    remap = [classes.index(name) for name in dataset.classes]
    samples = [s.__class__(s.path, remap[s.label], "test") for s in dataset.samples]
    kind = checkpoint.get("input", {}).get("input", "whole-frame")
    size = int(checkpoint["image_size"])
    detector = AnimalDetector(load_model(float_detector(), expect_kind="detector")) if kind == "detector-crops" else None
    views = build_views(samples, [s.organism for s in specs], kind, detector, EngineSettings(), round(size * 256 / 224),
                        Path(checkpoint["config"]["cache"]).parent / "views")  # fmt: skip
    model = build(checkpoint["backbone"], len(classes), cache=None, pretrained=False)
    model.load_state_dict(checkpoint["state_dict"])
    transform = eval_transform(size, BACKBONES[checkpoint["backbone"]].normalisation)
    items = [(v.path, samples[v.frame].label) for v in views]
    logits, labels = logits_of(model, DataLoader(ImageFiles(items, transform), batch_size=32), torch.device("cpu"))
    temperature = float(checkpoint["temperature"])
    trained = np.array([v.trained for v in views])
    evaluation = evaluate_logits(logits[trained], np.asarray(labels)[trained], classes, temperature, split=f"{args.data} ({kind} views)")
    threshold = float(checkpoint.get("input", {}).get("threshold", frame_eval.DEFAULT_THRESHOLD))  # the model's own default
    table = frame_eval.tradeoff(logits, [v.frame for v in views], [s.label for s in samples], specs, temperature,
                                sorted({*frame_eval.THRESHOLDS, threshold}))  # fmt: skip
    out = args.out or args.checkpoint.parent
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# Evaluation of {args.checkpoint} on {args.data}", "", "## Frames by threshold", ""] + tradeoff_section(table, "evaluation", threshold)
    lines += ["## Per class", ""] + evaluation_section(evaluation, temperature, out, "eval-")
    (out / "evaluation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    default = next(row for row in table if row.threshold == threshold)
    print(f"{default.frames} frames at threshold {threshold:g}: {default.right_rate:.1%} right, {default.wrong_rate:.1%} "
          f"wrong; top-1 {evaluation.top1:.1%} on {sum(evaluation.support)} {kind} views; {out / 'evaluation.md'}")  # fmt: skip
    return 0
