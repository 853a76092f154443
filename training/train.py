"""Train a classifier on a user's own camera.

    python -m training train --data DATASET [--labels labels.csv] [--mode head|finetune|scratch] [--out runs/model]

The run:

1. scan and validate the dataset (class folders, or a ``path,label`` CSV);
2. group frames into events by time and split them, per class, earliest events
   to training and later ones to validation and test (``--split-by time``), so
   that the report's figures mean what the user will see on the camera's next
   frames; every class keeps training images;
3. make the views the engine will show the model (``data/views.py``): detector
   crops with the camera's own false positives as hard negatives, or whole frames;
   with ``--input auto`` both are trained and the one with more right validation
   frames is kept;
4. train with early stopping on validation balanced accuracy, checkpointing every
   epoch (``--resume`` continues);
5. calibrate: a temperature such that at the engine's default threshold at most
   ``--max-wrong`` of the validation frames are wrong;
6. measure on the test frames (right / wrong / abstained over thresholds), write
   ``OUT/report.md`` and ``OUT/model.pt``, which ``python -m training export``
   turns into an ONNX model the live window and ``livespecies classify --model`` load.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler
from tqdm import tqdm

from livespecies.capture.image_file import load_image
from livespecies.inference.contract import INPUT_KINDS, LabelSpec, label_to_dict
from livespecies.inference.defaults import float_detector
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.engine import EngineSettings
from livespecies.inference.model_file import load_model
from training import frame_eval
from training.calibration import fit_temperature
from training.config import TrainConfig
from training.data.dataset import Dataset, DatasetError, Sample, scan
from training.data.events import FrameTimes, frame_times, group_events
from training.data.labels import label_specs, read_labels_csv
from training.data.splits import dhash, stratified_split, time_split
from training.data.views import View, build_views
from training.fast_features import Extractor, fast_extractor
from training.history import History
from training.networks import BACKBONES, build
from training.presets import PRESETS, eval_transform, train_transform
from training.progress import Progress
from training.report import Evaluation, KindTrial, SplitInfo, evaluate_logits, write_report

SPLITS = ("train", "val", "test")
CROP_PADDING = EngineSettings().crop_padding


class TrainingInterrupted(RuntimeError):
    """Raised by --stop-after, exactly where Ctrl+C or a power cut would land: after a checkpoint."""


class ImageFiles(torch.utils.data.Dataset[tuple[torch.Tensor, int]]):
    """Images from disk through a torchvision transform (decoded by the engine's own robust loader)."""

    def __init__(self, items: Sequence[tuple[Path, int]], transform: Any) -> None:
        self.items = list(items)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.items[index]
        rgb = np.ascontiguousarray(load_image(path, target_long_side=1024).pixels[..., ::-1])
        return self.transform(rgb), label


def pick_device(choice: str) -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def assign_splits(dataset: Dataset, config: TrainConfig) -> tuple[list[Sample], SplitInfo]:
    """Keep the user's own split; otherwise events by time (or appearance), split by time or at random."""
    if all(s.split is not None for s in dataset.samples):
        return dataset.samples, SplitInfo("the dataset's own train/val/test folders", "given", len(dataset.samples))
    paths = [s.path for s in dataset.samples]
    labels = [s.label for s in dataset.samples]
    times = frame_times(paths)
    hashes = None
    if any(t is None for t in times.times):
        hashes = [dhash(load_image(p, target_long_side=256).pixels) for p in paths]
    events = group_events(labels, times, config.event_gap, config.event_size, hashes, config.duplicate_distance)
    fractions = (1 - config.val_fraction - config.test_fraction, config.val_fraction, config.test_fraction)
    if config.split_by == "time":
        order = [t if t is not None else float(i) for i, t in enumerate(times.times)]
        splits = time_split(labels, events, order, fractions)
        how = "by time: per class, the earliest events train, the next validate, the latest test"
    else:
        splits = stratified_split(labels, events, fractions, seed=config.seed)
        how = f"by events, dealt per class in an order fixed by the seed ({config.seed})"
    samples = [replace(s, split=split) for s, split in zip(dataset.samples, splits, strict=True)]
    return samples, SplitInfo(how, _describe_times(times), len(set(events)))


def _describe_times(times: FrameTimes) -> str:
    return {"exif": "EXIF DateTimeOriginal", "file": "file modification times", "sequence": "sequence numbers in file names",
            "none": "none (frames grouped by appearance)", "given": "given"}[times.source]  # fmt: skip


def check_coverage(samples: Sequence[Sample], classes: Sequence[str]) -> list[str]:
    """Refuse a class with no training frames; name classes missing from validation or test (for the report)."""
    notes = []
    for split in SPLITS:
        present = {s.label for s in samples if s.split == split}
        missing = [name for index, name in enumerate(classes) if index not in present]
        if missing and split == "train":
            raise DatasetError(f"Class(es) {', '.join(missing)} have no training images in the given split; move some of their "
                               "images to train/.")  # fmt: skip
        if missing:
            notes.append(f"No {split} frames for: {', '.join(missing)} (too few events); their {split} figures are missing.")
    return notes


def class_weights(labels: Sequence[int], classes: int) -> torch.Tensor:
    counts = np.bincount(np.asarray(labels), minlength=classes).astype(np.float64)
    weights = counts.sum() / (classes * np.maximum(counts, 1))
    return torch.tensor(weights, dtype=torch.float32)


@dataclass
class Fit:
    """One trained model for one input kind, with its logits on every view (for frame-level evaluation)."""

    kind: str
    model: nn.Module
    history: History
    views: list[View]
    logits: np.ndarray  # one row per view


@dataclass
class Outcome:
    config: TrainConfig
    evaluation: Evaluation
    history: History
    temperature: float
    model_file: Path
    input_kind: str
    tradeoff: list[frame_eval.FrameScore]
    baseline: Evaluation | None = None


def train(config: TrainConfig) -> Outcome:
    seed_everything(config.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = pick_device(config.device)
    print(f"training on {device.type}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""), file=sys.stderr)
    out = config.out_path
    out.mkdir(parents=True, exist_ok=True)
    rows = read_labels_csv(Path(config.labels)) if config.labels else None
    dataset = scan(config.data_path, min_per_class=config.min_per_class, known_labels=set(rows) if rows else None)
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    specs = label_specs(dataset.classes, rows)
    samples, split_info = assign_splits(dataset, config)
    split_info.notes.extend(check_coverage(samples, dataset.classes))
    (out / "split.json").write_text(json.dumps({name: [str(s.path) for s in samples if s.split == name] for name in SPLITS}, indent=1))

    kinds = INPUT_KINDS if config.input == "auto" else (config.input,)
    detector = AnimalDetector(load_model(float_detector(), expect_kind="detector")) if "detector-crops" in kinds else None
    cache = Path(config.cache).parent / "views"
    trials: list[KindTrial] = []
    fits: dict[str, Fit] = {}
    compare = replace(config, mode="head") if len(kinds) > 1 else config
    phases = [p for _ in kinds for p in ("views", "features", "epochs")] + (["epochs"] if len(kinds) > 1 and config.mode != "head" else [])
    progress = Progress([p for p in phases if p != "features" or compare.mode == "head"])
    for kind in kinds:
        def viewed(done: int, total: int, kind: str = kind) -> None:
            progress.step(done, total, f"preparing {kind} views: frame {done} of {total}")

        views = build_views(samples, [s.organism for s in specs], kind, detector, EngineSettings(), crop_size(config), cache, viewed)
        progress.next_phase()
        # Input kinds are compared with the quick head-only mode; the chosen one is then trained as asked.
        fit = fit_one(compare, dataset, samples, views, device, kind, progress)
        fits[kind] = fit
        point = calibrate(fit, samples, specs, config)
        val = _frame_score(fit, samples, specs, "val", point)
        trials.append(KindTrial(kind, val, sum(v.source == "negative" for v in views), len(views)))
        print(f"{kind}: validation frames {val.right_rate:.1%} right, {val.wrong_rate:.1%} wrong at threshold {point.threshold:g}",
              file=sys.stderr)  # fmt: skip
    chosen = choose_input(trials)
    fit = fits[chosen]
    if len(kinds) > 1 and config.mode != "head":
        fit = fit_one(config, dataset, samples, fit.views, device, chosen, progress)
    point = calibrate(fit, samples, specs, config)
    temperature = point.temperature
    test_split = "test" if any(s.split == "test" for s in samples) else "val"
    frames, labels = _frames_of(samples, test_split)
    table = frame_eval.tradeoff(*_view_rows(fit, frames), labels, specs, temperature, sorted({*frame_eval.THRESHOLDS, point.threshold}))
    evaluation = _view_evaluation(fit, samples, dataset.classes, temperature, test_split)
    at_operating = next(s for s in table if s.threshold == point.threshold)
    print(f"{chosen}: {test_split} frames {at_operating.right_rate:.1%} right, {at_operating.wrong_rate:.1%} wrong, "
          f"T = {temperature:.2f}, threshold {point.threshold:g}", file=sys.stderr)  # fmt: skip

    baseline = None
    if config.baseline and config.mode != "scratch":
        scratch = replace(config, mode="scratch", lr=max(config.lr, 3e-3))
        base_fit = fit_one(replace(scratch, out=str(out / "baseline")), dataset, samples, fit.views, device, chosen)
        baseline = _view_evaluation(base_fit, samples, dataset.classes, 1.0, test_split)
    backbone = "small_cnn" if config.mode == "scratch" else config.backbone
    model_file = out / "model.pt"
    torch.save({
        "format": "livespecies-training-checkpoint/1",
        "state_dict": fit.model.state_dict(),
        "config": config.as_dict(),
        "backbone": backbone,
        "classes": dataset.classes,
        "labels": [label_to_dict(s) for s in specs],
        "temperature": temperature,
        "image_size": config.image_size,
        # The model's own default threshold travels with how it is applied (contract: application.threshold).
        "input": {"input": chosen, "crop_padding": CROP_PADDING, "threshold": point.threshold},
        "metrics": {**evaluation.summary(), "frames_right": at_operating.right_rate, "frames_wrong": at_operating.wrong_rate},
        "dataset": {"root": str(config.data_path), "counts": dict(dataset.counts()), "skipped": dataset.skipped},
    }, model_file)  # fmt: skip
    write_report(out, config, dataset, samples, split_info, fit.history, evaluation, point, trials, chosen, table, test_split,
                 baseline)  # fmt: skip
    return Outcome(config, evaluation, fit.history, temperature, model_file, chosen, table, baseline)


# Whole frames must beat crops on validation by this much (of right − 2 × wrong, as a share of frames) to be
# kept: on a camera's later frames (new individuals, new positions) the crop model made half the wrong answers
# of a whole-frame model that had been 1 point better on validation (bench/bench_camera.py, README).
WHOLE_FRAME_MARGIN = 0.03


def choose_input(trials: Sequence[KindTrial]) -> str:
    """The input kind to keep: detector crops, unless whole frames are clearly better on validation frames."""
    def merit(trial: KindTrial) -> float:
        score = trial.validation
        return (score.right - 2 * score.wrong) / max(score.frames, 1) - (WHOLE_FRAME_MARGIN if trial.kind == "whole-frame" else 0.0)

    return max(trials, key=merit).kind


def crop_size(config: TrainConfig) -> int:
    """The side of the square views: what the exported model's resize (size × 256 / 224) will work from."""
    return round(config.image_size * 256 / 224)


def calibrate(fit: Fit, samples: Sequence[Sample], specs: Sequence[LabelSpec], config: TrainConfig) -> frame_eval.OperatingPoint:
    """Likelihood-fitted temperature on the validation views, and the model's threshold chosen on validation frames."""
    trained = [k for k, v in enumerate(fit.views) if v.trained and samples[v.frame].split == "val"]
    labels = np.array([samples[fit.views[k].frame].label for k in trained], dtype=np.int64)
    fitted = fit_temperature(fit.logits[trained], labels)
    frames, frame_labels = _frames_of(samples, "val")
    return frame_eval.operating_point(*_view_rows(fit, frames), frame_labels, specs, fitted, config.max_wrong)


def _frames_of(samples: Sequence[Sample], split: str) -> tuple[list[int], list[int]]:
    frames = [i for i, s in enumerate(samples) if s.split == split]
    return frames, [samples[i].label for i in frames]


def _view_rows(fit: Fit, frames: Sequence[int]) -> tuple[np.ndarray, list[int]]:
    """The logits of every view of these frames, and for each row the frame's position in ``frames``."""
    position = {frame: k for k, frame in enumerate(frames)}
    rows = [k for k, v in enumerate(fit.views) if v.frame in position]
    return fit.logits[rows], [position[fit.views[k].frame] for k in rows]


def _frame_score(fit: Fit, samples: Sequence[Sample], specs: Sequence[LabelSpec], split: str,
                 point: frame_eval.OperatingPoint) -> frame_eval.FrameScore:  # fmt: skip
    frames, labels = _frames_of(samples, split)
    return frame_eval.score(*_view_rows(fit, frames), labels, specs, point.temperature, point.threshold)


def _view_evaluation(fit: Fit, samples: Sequence[Sample], classes: Sequence[str], temperature: float, split: str) -> Evaluation:
    rows = [k for k, v in enumerate(fit.views) if v.trained and samples[v.frame].split == split]
    labels = np.array([samples[fit.views[k].frame].label for k in rows], dtype=np.int64)
    return evaluate_logits(fit.logits[rows], labels, classes, temperature, split=f"{split} views")


@torch.no_grad()
def features_of(extractor: Extractor, items: Sequence[tuple[Path, int]], transform: Any, device: torch.device, batch: int,
                flip: bool = False, on_step: Callable[[int, int], None] | None = None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Backbone features for every image (and its mirror image with ``flip``), computed once for head-only training."""
    loader = DataLoader(ImageFiles(items, transform), batch_size=batch, shuffle=False, **_workers())
    feats, labels = [], []
    for done, (images, targets) in enumerate(tqdm(loader, desc="features", leave=False, file=sys.stderr, disable=None), start=1):
        if on_step is not None:
            on_step(done, len(loader))
        images = images.to(device)
        feats.append(extractor(images).cpu())
        labels.append(targets)
        if flip:
            feats.append(extractor(torch.flip(images, dims=[3])).cpu())
            labels.append(targets)
    return torch.cat(feats), torch.cat(labels)


def _workers() -> dict[str, Any]:
    """One decoding worker process beside the network when there are two cores or more.

    Measured on a 2-core machine, MobileNetV2 features at 224 px, 320 crops: 25.1 images/s decoding in the main
    process, 26.5 with one worker (+5 %), 22.8 with two; with the camera-trap augmentation 21.3, 23.2 (+9 %), 21.9.
    """
    return {"num_workers": 1} if (os.cpu_count() or 1) >= 2 else {}


def fit_one(config: TrainConfig, dataset: Dataset, samples: Sequence[Sample], views: list[View], device: torch.device, kind: str,
            progress: Progress | None = None) -> Fit:  # fmt: skip
    """Train one model on the training views; logits for every view come back for frame-level evaluation.

    ``progress`` moves through a features phase (head mode) and an epochs phase."""
    progress = progress or Progress([])
    seed_everything(config.seed)
    classes = len(dataset.classes)
    backbone = "small_cnn" if config.mode == "scratch" else config.backbone
    norm = BACKBONES[backbone].normalisation
    model = build(backbone, classes, Path(config.cache), pretrained=config.mode != "scratch").to(device)
    evaluate_tf = eval_transform(config.image_size, norm)
    by_split = {split: [(v.path, samples[v.frame].label) for v in views if v.trained and samples[v.frame].split == split] for split in SPLITS}
    every = [(v.path, samples[v.frame].label) for v in views]
    train_labels = [label for _, label in by_split["train"]]
    weights = class_weights(train_labels, classes)
    loss_fn = nn.CrossEntropyLoss(weight=weights.to(device) if config.balance == "loss" else None)
    out = config.out_path
    out.mkdir(parents=True, exist_ok=True)
    shared = [c for c in range(classes) if c in set(train_labels)]
    tag = f"{config.mode}-{kind}"

    if config.mode == "head":
        # Features once (and their mirror images as the one augmentation that survives caching), then a linear head.
        features = model.features  # type: ignore[union-attr]
        extractor = fast_extractor(features, device) if config.feature_runtime == "onnxruntime" else features
        augmentation = PRESETS[config.augment]
        passes = config.augment_passes if augmentation is not None else 0
        per_pass = -(-len(by_split["train"]) // config.batch_size)
        batches = per_pass * (1 + passes) + -(-len(every) // config.batch_size)
        done_before = 0

        def step(done: int, _total: int) -> None:
            progress.step(done_before + done, batches, f"computing {kind} features: batch {done_before + done} of {batches}")

        x_all, y_all = features_of(extractor, every, evaluate_tf, device, config.batch_size, on_step=step)
        done_before = -(-len(every) // config.batch_size)
        x_train, y_train = features_of(extractor, by_split["train"], evaluate_tf, device, config.batch_size, flip=True, on_step=step)
        copies, copy_labels = [x_train], [y_train]
        # Cached features allow no augmentation at training time, so a few augmented copies are made up front: colour,
        # infrared greyscale, partial views and noise are what separate a camera's later animals from its earlier ones.
        for k in range(passes):
            done_before += per_pass
            torch.manual_seed(config.seed * 1009 + k)
            x, y = features_of(extractor, by_split["train"], train_transform(config.image_size, augmentation, norm), device,
                               config.batch_size, on_step=step)  # fmt: skip
            copies.append(x)
            copy_labels.append(y)
        x_train, y_train = torch.cat(copies), torch.cat(copy_labels)
        progress.next_phase()
        val_rows = [k for k, v in enumerate(views) if v.trained and samples[v.frame].split == "val"]
        head = model.classifier  # type: ignore[union-attr]
        train_loader = _loader(TensorDataset(x_train, y_train), config, y_train.tolist(), classes)
        val_loader = DataLoader(TensorDataset(x_all[val_rows], y_all[val_rows]), batch_size=256)
        history = run_epochs(head, train_loader, val_loader, config, out, device, loss_fn,
                             [{"params": head.parameters(), "lr": config.lr}], tag, shared, progress)  # fmt: skip
        if (out / f"{tag}-best.pt").is_file():
            head.load_state_dict(torch.load(out / f"{tag}-best.pt", map_location="cpu", weights_only=True))
        head.eval()
        with torch.no_grad():
            logits = head(x_all.to(device)).cpu().numpy().astype(np.float32)
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
        history = run_epochs(model, train_loader, val_loader, config, out, device, loss_fn, groups, tag, shared, progress)
        if (out / f"{tag}-best.pt").is_file():
            model.load_state_dict(torch.load(out / f"{tag}-best.pt", map_location="cpu", weights_only=True))
        logits, _ = logits_of(model, DataLoader(ImageFiles(every, evaluate_tf), batch_size=config.batch_size, **_workers()), device)
    progress.next_phase()
    return Fit(kind, model.cpu(), history, views, logits)


def run_epochs(model: nn.Module, train_loader: DataLoader[Any], val_loader: DataLoader[Any], config: TrainConfig,
               out: Path, device: torch.device, loss_fn: nn.Module, parameters: list[dict[str, Any]],
               tag: str, shared: Sequence[int], progress: Progress | None = None) -> History:  # fmt: skip
    """The epoch loop with warm-up + cosine schedule, early stopping, and a checkpoint after every epoch.

    The epoch kept is the one with the best validation **balanced accuracy** over the classes training has
    (ties: the lower validation loss). Loss alone kept epoch 1 on a real camera: validation held frames of a
    class training had never seen, whose loss only grew as the model became surer of the others.
    """
    import math

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
        val_loss, val_acc, val_balanced = validate(model, val_loader, device, loss_fn, shared)
        row = {"epoch": epoch + 1, "train_loss": running / max(seen, 1), "train_acc": correct / max(seen, 1),
               "val_loss": val_loss, "val_acc": val_acc, "val_balanced": val_balanced, "seconds": time.monotonic() - began}  # fmt: skip
        history.epochs.append(row)
        if (val_balanced, -val_loss) > (history.best_score + 1e-6, -history.best_val_loss) or history.best_epoch < 0:
            history.best_score, history.best_val_loss, history.best_epoch, history.stale = val_balanced, val_loss, epoch, 0
            torch.save(model.state_dict(), out / f"{tag}-best.pt")
        else:
            history.stale += 1
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "scheduler": scheduler.state_dict(),
                    "history": history, "torch_rng": torch.get_rng_state(), "python_rng": random.getstate(),
                    "numpy_rng": np.random.get_state()}, last)  # fmt: skip
        print(f"{tag} epoch {epoch + 1}: train loss {row['train_loss']:.3f} acc {row['train_acc']:.2f}, val loss {val_loss:.3f} "
              f"acc {val_acc:.2f} balanced {val_balanced:.2f} ({row['seconds']:.0f} s)", file=sys.stderr)  # fmt: skip
        if progress is not None:
            progress.step(epoch + 1, config.epochs, f"training ({tag}): epoch {epoch + 1} of at most {config.epochs}")
    return history


def _reseed_for_epoch(loader: DataLoader[Any], seed: int, epoch: int) -> None:
    """Shuffle order and augmentation depend only on (seed, epoch), so a resumed run repeats an uninterrupted one."""
    generator = loader.generator if loader.generator is not None else getattr(loader.sampler, "generator", None)
    if generator is not None:
        generator.manual_seed(seed * 100_003 + epoch)
    torch.manual_seed(seed * 100_019 + epoch)


@torch.no_grad()
def validate(model: nn.Module, loader: DataLoader[Any], device: torch.device, loss_fn: nn.Module,
             shared: Sequence[int]) -> tuple[float, float, float]:  # fmt: skip
    """Validation loss, accuracy, and balanced accuracy (mean recall over the ``shared`` classes present)."""
    model.eval()
    total = correct = 0
    loss_sum = 0.0
    hits: dict[int, list[int]] = {c: [0, 0] for c in shared}
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        logits = model(images)
        loss_sum += float(loss_fn(logits, targets)) * len(targets)
        guesses = logits.argmax(1)
        correct += int((guesses == targets).sum())
        total += len(targets)
        for truth, guess in zip(targets.tolist(), guesses.tolist(), strict=True):
            if truth in hits:
                hits[truth][0] += int(truth == guess)
                hits[truth][1] += 1
    recalls = [right / count for right, count in hits.values() if count]
    return loss_sum / max(total, 1), correct / max(total, 1), float(np.mean(recalls)) if recalls else 0.0


@torch.no_grad()
def logits_of(model: nn.Module, loader: DataLoader[Any], device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    outs, labels = [], []
    for images, targets in loader:
        outs.append(model(images.to(device)).cpu().numpy())
        labels.append(targets.numpy())
    return np.concatenate(outs).astype(np.float32), np.concatenate(labels).astype(np.int64)


def _loader(data: torch.utils.data.Dataset[Any], config: TrainConfig, labels: Sequence[int], classes: int) -> DataLoader[Any]:
    generator = torch.Generator().manual_seed(config.seed)
    # Cached features need no decoding; images do (finetune, scratch).
    workers = {} if isinstance(data, TensorDataset) else _workers()
    if config.balance == "sampler":
        per_class = class_weights(labels, classes)
        weights = [float(per_class[label]) for label in labels]
        sampler = WeightedRandomSampler(weights, num_samples=len(labels), replacement=True, generator=generator)
        return DataLoader(data, batch_size=config.batch_size, sampler=sampler, **workers)
    return DataLoader(data, batch_size=config.batch_size, shuffle=True, generator=generator, **workers)
