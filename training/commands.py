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
        description="Evaluate a trained checkpoint on a folder of labelled photos (class folders named as in training).",
    )
    parser.add_argument("--checkpoint", type=Path, required=True, help="model.pt from `python -m training train`")
    parser.add_argument("--data", type=Path, required=True, help="folder of class folders")
    parser.add_argument("--out", type=Path, default=None, help="where to write evaluation.md (default: beside the checkpoint)")
    args = parser.parse_args(argv)
    from training.data.dataset import scan
    from training.export_user import load_checkpoint
    from training.networks import BACKBONES, build
    from training.presets import eval_transform
    from training.report import evaluate_logits, evaluation_section
    from training.train import ImageFiles, logits_of

    try:
        checkpoint = load_checkpoint(args.checkpoint)
        dataset = scan(args.data, min_per_class=1, warn_below=0, min_classes=1)  # evaluating one species is fine
        classes = list(checkpoint["classes"])
        unknown = sorted(set(dataset.classes) - set(classes))
        if unknown:
            raise UserError(f"{args.data} has class folder(s) {', '.join(unknown)} that the model was not trained on.")
    except UserError as exc:
        print(f"training: {exc}", file=sys.stderr)
        return 2
    remap = [classes.index(name) for name in dataset.classes]
    items = [(s.path, remap[s.label]) for s in dataset.samples]
    model = build(checkpoint["backbone"], len(classes), cache=None, pretrained=False)
    model.load_state_dict(checkpoint["state_dict"])
    transform = eval_transform(int(checkpoint["image_size"]), BACKBONES[checkpoint["backbone"]].normalisation)
    logits, labels = logits_of(model, DataLoader(ImageFiles(items, transform), batch_size=32), torch.device("cpu"))
    evaluation = evaluate_logits(logits, np.asarray(labels), classes, float(checkpoint["temperature"]), split=str(args.data))
    out = args.out or args.checkpoint.parent
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# Evaluation of {args.checkpoint} on {args.data}", ""] + evaluation_section(evaluation, float(checkpoint["temperature"]), out, "eval-")
    (out / "evaluation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"top-1 {evaluation.top1:.1%}, top-5 {evaluation.top5:.1%} on {sum(evaluation.support)} images; {out / 'evaluation.md'}")
    return 0
