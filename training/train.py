"""Train a classifier on a user's own labelled photos.

    python -m training train --data DATASET [--labels labels.csv] [--mode head|finetune|scratch] [--out runs/model]

The run: scan and validate the dataset → optional detector crops → a
reproducible, stratified, burst-aware split → train with early stopping,
checkpointing every epoch (``--resume`` continues) → temperature calibration on
the validation set → test metrics and a report (``OUT/report.md``) →
``OUT/model.pt``, which ``python -m training export`` turns into an ONNX model
the live window and ``livespecies classify --model`` load.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler
from tqdm import tqdm

from livespecies.capture.image_file import load_image
from livespecies.inference.contract import label_to_dict
from livespecies.inference.defaults import default_detector
from training.calibration import fit_temperature
from training.config import TrainConfig
from training.data.crops import CropReport, crop_dataset
from training.data.dataset import Dataset, Sample, scan
from training.data.labels import label_specs, read_labels_csv
from training.data.splits import dhash, group_near_duplicates, stratified_split
from training.networks import BACKBONES, build
from training.presets import PRESETS, eval_transform, train_transform
from training.report import Evaluation, evaluate_logits, write_report


class TrainingInterrupted(RuntimeError):
    """Raised by --stop-after, exactly where Ctrl+C or a power cut would land: after a checkpoint."""


class ImageFiles(torch.utils.data.Dataset[tuple[torch.Tensor, int]]):
    """Photos from disk through a torchvision transform (decoded by the engine's own robust loader)."""

    def __init__(self, samples: Sequence[Sample], transform: Any) -> None:
        self.samples = list(samples)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        sample = self.samples[index]
        rgb = np.ascontiguousarray(load_image(sample.path, target_long_side=1024).pixels[..., ::-1])
        return self.transform(rgb), sample.label


@dataclass
class History:
    epochs: list[dict[str, float]] = field(default_factory=list)
    best_val_loss: float = math.inf
    best_epoch: int = -1
    stale: int = 0


def pick_device(choice: str) -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def assign_splits(dataset: Dataset, config: TrainConfig) -> list[Sample]:
    """Keep the user's own split; otherwise split by class, keeping bursts of near-identical frames together."""
    if all(s.split is not None for s in dataset.samples):
        return dataset.samples
    hashes = [dhash(load_image(s.path, target_long_side=256).pixels) for s in dataset.samples]
    labels = [s.label for s in dataset.samples]
    groups = group_near_duplicates(hashes, labels, config.duplicate_distance)
    fractions = (1 - config.val_fraction - config.test_fraction, config.val_fraction, config.test_fraction)
    splits = stratified_split(labels, groups, fractions, seed=config.seed)
    return [replace(s, split=split) for s, split in zip(dataset.samples, splits, strict=True)]


def class_weights(labels: Sequence[int], classes: int) -> torch.Tensor:
    counts = np.bincount(np.asarray(labels), minlength=classes).astype(np.float64)
    weights = counts.sum() / (classes * np.maximum(counts, 1))
    return torch.tensor(weights, dtype=torch.float32)


@torch.no_grad()
def features_of(extractor: nn.Module, samples: Sequence[Sample], transform: Any, device: torch.device, batch: int,
                flip: bool = False) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Backbone features for every sample (and its mirror image with ``flip``), computed once for head-only training."""
    loader = DataLoader(ImageFiles(samples, transform), batch_size=batch, shuffle=False)
    feats, labels = [], []
    extractor.eval()
    for images, targets in tqdm(loader, desc="features", leave=False, file=sys.stderr, disable=None):
        images = images.to(device)
        feats.append(extractor(images).cpu())
        labels.append(targets)
        if flip:
            feats.append(extractor(torch.flip(images, dims=[3])).cpu())
            labels.append(targets)
    return torch.cat(feats), torch.cat(labels)


def run_epochs(model: nn.Module, train_loader: DataLoader[Any], val_loader: DataLoader[Any], config: TrainConfig,
               out: Path, device: torch.device, loss_fn: nn.Module, parameters: list[dict[str, Any]],
               tag: str) -> History:  # fmt: skip
    """The epoch loop with warm-up + cosine schedule, early stopping, and a checkpoint after every epoch."""
    optimiser = torch.optim.AdamW(parameters, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, len(train_loader))
    warmup = config.warmup_epochs * steps_per_epoch if config.mode == "finetune" else 0
    total = config.epochs * steps_per_epoch

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, factor)
    history = History()
    start_epoch = 0
    last = out / f"{tag}-last.pt"
    if config.resume and last.is_file():
        state = torch.load(last, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        history = state["history"]
        torch.set_rng_state(state["torch_rng"])
        random.setstate(state["python_rng"])
        np.random.set_state(state["numpy_rng"])
        start_epoch = len(history.epochs)
        print(f"resuming {tag} after epoch {start_epoch}", file=sys.stderr)
    for epoch in range(start_epoch, config.epochs):
        if history.stale >= config.patience:
            break
        if config.stop_after is not None and epoch >= config.stop_after:
            raise TrainingInterrupted(f"stopped after epoch {epoch} as asked (--stop-after); continue with --resume")
        _reseed_for_epoch(train_loader, config.seed, epoch)
        model.train()
        seen = correct = 0
        running = 0.0
        began = time.monotonic()
        bar = tqdm(train_loader, desc=f"{tag} epoch {epoch + 1}/{config.epochs}", leave=False, file=sys.stderr, disable=None)
        for images, targets in bar:
            images, targets = images.to(device), targets.to(device)
            optimiser.zero_grad()
            logits = model(images)
            loss = loss_fn(logits, targets)
            loss.backward()
            optimiser.step()
            scheduler.step()
            running += loss.item() * len(targets)
            seen += len(targets)
            correct += int((logits.argmax(1) == targets).sum())
            bar.set_postfix(loss=f"{running / seen:.3f}", acc=f"{correct / seen:.2f}")
        val_loss, val_acc = validate(model, val_loader, device, loss_fn)
        row = {"epoch": epoch + 1, "train_loss": running / max(seen, 1), "train_acc": correct / max(seen, 1),
               "val_loss": val_loss, "val_acc": val_acc, "seconds": time.monotonic() - began}  # fmt: skip
        history.epochs.append(row)
        if val_loss < history.best_val_loss - 1e-4:
            history.best_val_loss, history.best_epoch, history.stale = val_loss, epoch, 0
            torch.save(model.state_dict(), out / f"{tag}-best.pt")
        else:
            history.stale += 1
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "scheduler": scheduler.state_dict(),
                    "history": history, "torch_rng": torch.get_rng_state(), "python_rng": random.getstate(),
                    "numpy_rng": np.random.get_state()}, last)  # fmt: skip
        print(f"{tag} epoch {epoch + 1}: train loss {row['train_loss']:.3f} acc {row['train_acc']:.2f}, "
              f"val loss {val_loss:.3f} acc {val_acc:.2f} ({row['seconds']:.0f} s)", file=sys.stderr)  # fmt: skip
    return history


def _reseed_for_epoch(loader: DataLoader[Any], seed: int, epoch: int) -> None:
    """Shuffle order and augmentation depend only on (seed, epoch), so a resumed run repeats an uninterrupted one."""
    generator = loader.generator if loader.generator is not None else getattr(loader.sampler, "generator", None)
    if generator is not None:
        generator.manual_seed(seed * 100_003 + epoch)
    torch.manual_seed(seed * 100_019 + epoch)


@torch.no_grad()
def validate(model: nn.Module, loader: DataLoader[Any], device: torch.device, loss_fn: nn.Module) -> tuple[float, float]:
    model.eval()
    total = correct = 0
    loss_sum = 0.0
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        logits = model(images)
        loss_sum += float(loss_fn(logits, targets)) * len(targets)
        correct += int((logits.argmax(1) == targets).sum())
        total += len(targets)
    return loss_sum / max(total, 1), correct / max(total, 1)


@torch.no_grad()
def logits_of(model: nn.Module, loader: DataLoader[Any], device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    outs, labels = [], []
    for images, targets in loader:
        outs.append(model(images.to(device)).cpu().numpy())
        labels.append(targets.numpy())
    return np.concatenate(outs).astype(np.float32), np.concatenate(labels).astype(np.int64)


@dataclass
class Outcome:
    config: TrainConfig
    evaluation: Evaluation
    history: History
    temperature: float
    model_file: Path
    baseline: Evaluation | None = None


def train(config: TrainConfig) -> Outcome:
    seed_everything(config.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = pick_device(config.device)
    print(f"training on {device.type}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""), file=sys.stderr)
    out = config.out_path
    out.mkdir(parents=True, exist_ok=True)
    dataset = scan(config.data_path, min_per_class=config.min_per_class)
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    specs = label_specs(dataset.classes, read_labels_csv(Path(config.labels)) if config.labels else None)
    crop_report: CropReport | None = None
    if config.crop:
        dataset, crop_report = crop_dataset(dataset, default_detector(), Path(config.cache).parent / "crops")
    samples = assign_splits(dataset, config)
    by_split = {name: [s for s in samples if s.split == name] for name in ("train", "val", "test")}
    if not by_split["train"] or not by_split["val"]:
        raise SystemExit("livespecies: the split left no training or no validation images; add photos or lower the fractions.")
    (out / "split.json").write_text(json.dumps({name: [str(s.path) for s in items] for name, items in by_split.items()}, indent=1))

    evaluation, history, temperature, model = fit_one(config, dataset, by_split, device, tag=config.mode)
    baseline = None
    if config.baseline and config.mode != "scratch":
        baseline_config = replace(config, mode="scratch", lr=max(config.lr, 3e-3))
        baseline, _, _, _ = fit_one(baseline_config, dataset, by_split, device, tag="scratch-baseline")
    backbone = "small_cnn" if config.mode == "scratch" else config.backbone
    model_file = out / "model.pt"
    torch.save({
        "format": "livespecies-training-checkpoint/1",
        "state_dict": model.state_dict(),
        "config": config.as_dict(),
        "backbone": backbone,
        "classes": dataset.classes,
        "labels": [label_to_dict(s) for s in specs],
        "temperature": temperature,
        "image_size": config.image_size,
        "metrics": evaluation.summary(),
        "dataset": {"root": str(config.data_path), "counts": dict(dataset.counts()), "skipped": dataset.skipped},
    }, model_file)  # fmt: skip
    write_report(out, config, dataset, by_split, history, evaluation, temperature, baseline, crop_report)
    return Outcome(config, evaluation, history, temperature, model_file, baseline)


def fit_one(config: TrainConfig, dataset: Dataset, by_split: dict[str, list[Sample]], device: torch.device,
            tag: str) -> tuple[Evaluation, History, float, nn.Module]:  # fmt: skip
    seed_everything(config.seed)
    classes = len(dataset.classes)
    backbone = "small_cnn" if config.mode == "scratch" else config.backbone
    norm = BACKBONES[backbone].normalisation
    model = build(backbone, classes, Path(config.cache), pretrained=config.mode != "scratch").to(device)
    evaluate_tf = eval_transform(config.image_size, norm)
    train_labels = [s.label for s in by_split["train"]]
    weights = class_weights(train_labels, classes)
    loss_fn = nn.CrossEntropyLoss(weight=weights.to(device) if config.balance == "loss" else None)
    out = config.out_path

    if config.mode == "head":
        # Features once (and their mirror images as the one augmentation that survives caching), then a linear head.
        extractor = model.features  # type: ignore[union-attr]
        x_train, y_train = features_of(extractor, by_split["train"], evaluate_tf, device, config.batch_size, flip=True)
        x_val, y_val = features_of(extractor, by_split["val"], evaluate_tf, device, config.batch_size)
        head = model.classifier  # type: ignore[union-attr]
        train_loader = _loader(TensorDataset(x_train, y_train), config, y_train.tolist(), classes)
        val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=256)
        history = run_epochs(head, train_loader, val_loader, config, out, device, loss_fn,
                             [{"params": head.parameters(), "lr": config.lr}], tag)  # fmt: skip
        if (out / f"{tag}-best.pt").is_file():
            head.load_state_dict(torch.load(out / f"{tag}-best.pt", map_location="cpu", weights_only=True))
    else:
        augmentation = PRESETS[config.augment]
        train_set = ImageFiles(by_split["train"], train_transform(config.image_size, augmentation, norm))
        train_loader = _loader(train_set, config, train_labels, classes)
        val_loader = DataLoader(ImageFiles(by_split["val"], evaluate_tf), batch_size=config.batch_size)
        if config.mode == "finetune":
            groups = [{"params": model.features.parameters(), "lr": config.lr * config.backbone_lr_factor},  # type: ignore[union-attr]
                      {"params": model.classifier.parameters(), "lr": config.lr}]  # type: ignore[union-attr]  # fmt: skip
        else:
            groups = [{"params": model.parameters(), "lr": config.lr}]
        history = run_epochs(model, train_loader, val_loader, config, out, device, loss_fn, groups, tag)
        if (out / f"{tag}-best.pt").is_file():
            model.load_state_dict(torch.load(out / f"{tag}-best.pt", map_location="cpu", weights_only=True))

    val_logits, val_labels = logits_of(model, DataLoader(ImageFiles(by_split["val"], evaluate_tf), batch_size=config.batch_size), device)
    temperature = fit_temperature(val_logits, val_labels)
    test = by_split["test"] or by_split["val"]
    test_logits, test_labels = logits_of(model, DataLoader(ImageFiles(test, evaluate_tf), batch_size=config.batch_size), device)
    evaluation = evaluate_logits(test_logits, test_labels, dataset.classes, temperature,
                                 split="test" if by_split["test"] else "val (no test split)")  # fmt: skip
    print(f"{tag}: {evaluation.split} top-1 {evaluation.top1:.3f}, top-5 {evaluation.top5:.3f}, "
          f"ECE {evaluation.ece_before:.3f} → {evaluation.ece_after:.3f} at T = {temperature:.2f}", file=sys.stderr)  # fmt: skip
    return evaluation, history, temperature, model.cpu()


def _loader(data: torch.utils.data.Dataset[Any], config: TrainConfig, labels: Sequence[int], classes: int) -> DataLoader[Any]:
    generator = torch.Generator().manual_seed(config.seed)
    if config.balance == "sampler":
        per_class = class_weights(labels, classes)
        weights = [float(per_class[label]) for label in labels]
        sampler = WeightedRandomSampler(weights, num_samples=len(labels), replacement=True, generator=generator)
        return DataLoader(data, batch_size=config.batch_size, sampler=sampler)
    return DataLoader(data, batch_size=config.batch_size, shuffle=True, generator=generator)
