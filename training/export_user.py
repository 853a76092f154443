"""Export a trained checkpoint to an ONNX model the live window and ``livespecies classify --model`` load.

    python -m training export --checkpoint runs/model/model.pt --out models/my-species.onnx [--scope class:Aves]

The file carries the full contract (labels and lineages from the labels CSV,
preprocessing matching training, the calibrated temperature, provenance), is
checked by ``onnx.checker``, and its onnxruntime output must match PyTorch
within 1e-4, or nothing is written.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from livespecies import __version__
from livespecies.errors import UserError
from livespecies.inference.contract import (
    RANK_ORDER,
    Application,
    InputSpec,
    ModelContract,
    OutputSpec,
    Provenance,
    check_scope,
    label_from_dict,
)
from livespecies.types import Taxon
from training.export import ExportReport, export_onnx
from training.networks import BACKBONES, build


class CheckpointError(UserError):
    pass


def load_checkpoint(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CheckpointError(f"Checkpoint {path} does not exist; train first with `python -m training train`.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for foreign files
        raise CheckpointError(f"{path} is not a livespecies training checkpoint ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or data.get("format") != "livespecies-training-checkpoint/1":
        raise CheckpointError(f"{path} is not a livespecies training checkpoint (model.pt from `python -m training train`).")
    return data


def parse_scope(text: str) -> Taxon:
    """``class:Aves`` → the taxon a specialist covers."""
    rank, _, name = text.partition(":")
    if rank not in RANK_ORDER or not name.strip():
        raise UserError(f"--scope '{text}' is not RANK:NAME with a rank such as class, order or family (for example class:Aves).")
    return Taxon(rank, name.strip())


def contract_for(checkpoint: dict[str, Any], checkpoint_path: Path, model_id: str, scope: Taxon | None = None) -> ModelContract:
    backbone = BACKBONES[checkpoint["backbone"]]
    size = int(checkpoint["image_size"])
    norm = backbone.normalisation
    labels = tuple(label_from_dict(lab, f"labels[{i}]", str(checkpoint_path)) for i, lab in enumerate(checkpoint["labels"]))
    base = backbone.weights
    config = checkpoint["config"]
    return ModelContract(
        model_id=model_id,
        kind="classifier",
        title=f"{len(labels)}-class classifier trained by livespecies ({checkpoint['backbone']}, {config['mode']})",
        input=InputSpec(name="image", height=size, width=size, color="RGB", resize="resize_center_crop",
                        resize_size=round(size * 256 / 224), pad_value=0.0, scale=norm.scale, mean=norm.mean, std=norm.std),
        output=OutputSpec(name="scores", scores="logits", temperature=float(checkpoint["temperature"])),
        labels=labels,
        provenance=Provenance(
            weights_package="user-trained (livespecies)",
            weights_version=__version__,
            weights_file=checkpoint_path.name,
            weights_sha256=hashlib.sha256(checkpoint_path.read_bytes()).hexdigest(),
            licence="the owner of the training photos decides",
            build_command=f"python -m training export --checkpoint {checkpoint_path}",
            source=f"dataset {checkpoint['dataset']['root']}",
            notes=(f"base: {base.package}=={base.version} {base.member}" if base else "trained from scratch")
            + f"; test top-1 {checkpoint['metrics']['top1']:.3f} on {checkpoint['metrics']['images']} images",
        ),
        extra={"training": {k: config[k] for k in ("mode", "backbone", "image_size", "epochs", "seed", "augment", "input", "split_by")
                            if k in config}},
        scope=scope,
        # What the model was trained to see; checkpoints from before this was recorded saw whole photos.
        application=Application(**checkpoint.get("input", {"input": "whole-frame", "crop_padding": 0.15})),
    )


def export_checkpoint(checkpoint_path: Path, out: Path, model_id: str | None = None, scope: Taxon | None = None) -> ExportReport:
    checkpoint = load_checkpoint(checkpoint_path)
    classes = len(checkpoint["classes"])
    model = build(checkpoint["backbone"], classes, cache=None, pretrained=False)
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    contract = contract_for(checkpoint, checkpoint_path, model_id or f"user/{out.stem}@1", scope)
    if scope is not None:
        check_scope(contract, scope, str(checkpoint_path))  # every species inside the scope, before any export work
    size = int(checkpoint["image_size"])
    generator = torch.Generator().manual_seed(0)
    example = torch.randn((2, 3, size, size), generator=generator)  # normalised-scale input, as the engine feeds it
    return export_onnx(model, example, contract, out, output_name="scores", atol=1e-4)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training export", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True, help="model.pt written by `python -m training train`")
    parser.add_argument("--out", type=Path, required=True, help="the ONNX file to write, e.g. models/my-species.onnx")
    parser.add_argument("--model-id", default=None, help="id recorded in the file and in snapshot sidecars (default user/NAME@1)")
    parser.add_argument("--scope", default=None, metavar="RANK:NAME",
                        help="make it a specialist for this taxon (e.g. class:Aves): loaded with `livespecies --specialist FILE`, "
                        "it answers only for crops the main classifier places in that taxon; every organism label's lineage "
                        "(labels CSV) must contain it")
    args = parser.parse_args(argv)
    try:
        scope = parse_scope(args.scope) if args.scope else None
        report = export_checkpoint(args.checkpoint, args.out, args.model_id, scope)
    except UserError as exc:
        print(f"training: {exc}", file=sys.stderr)
        return 2
    print(f"{report.path}: {report.size_bytes / 1e6:.1f} MB, onnxruntime vs torch max |diff| {report.max_abs_diff:.2e}")
    return 0
