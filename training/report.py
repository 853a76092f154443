"""How good the trained model is, told honestly: metrics on the held-out test frames, plots, and a Markdown report.

The report (``OUT/report.md`` with PNGs beside it) gives the dataset as it was
used (frames per class and split, how frames were grouped into events and split,
skipped files, warnings), the input kinds tried and the one kept, training curves
and the epoch kept and why, the calibration, and on the test frames the
right / wrong / abstained trade-off over thresholds (what the user will see),
then per-class precision and recall, the confusion matrix and calibration of the
test views, and the from-scratch baseline when one was trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt
import numpy as np

from training.calibration import expected_calibration_error, reliability, softmax
from training.frame_eval import DEFAULT_THRESHOLD, FrameScore, OperatingPoint
from training.history import History

if TYPE_CHECKING:
    from training.config import TrainConfig
    from training.data.dataset import Dataset, Sample


@dataclass
class SplitInfo:
    """How the frames were split, in words for the report."""

    how: str
    times: str
    events: int
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KindTrial:
    """One input kind tried: its validation frames at the default threshold after calibration."""

    kind: str
    validation: FrameScore
    negatives: int  # detector boxes on non-animal frames, trained as those classes
    views: int


@dataclass(frozen=True)
class Evaluation:
    split: str
    classes: tuple[str, ...]
    top1: float
    top5: float
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    support: tuple[int, ...]
    confusion: np.ndarray
    ece_before: float
    ece_after: float
    reliability_before: list[tuple[float, float, int]]
    reliability_after: list[tuple[float, float, int]]

    def summary(self) -> dict[str, Any]:
        return {"split": self.split, "top1": self.top1, "top5": self.top5, "ece_before": self.ece_before, "ece_after": self.ece_after,
                "images": int(sum(self.support))}  # fmt: skip


def evaluate_logits(logits: np.ndarray, labels: np.ndarray, classes: Sequence[str], temperature: float, split: str) -> Evaluation:
    n = len(classes)
    predicted = logits.argmax(axis=1)
    k = min(5, n)
    top5 = np.argsort(-logits, axis=1)[:, :k]
    confusion = np.zeros((n, n), dtype=np.int64)
    for truth, guess in zip(labels, predicted, strict=True):
        confusion[truth, guess] += 1
    tp = np.diag(confusion).astype(np.float64)
    precision = tp / np.maximum(confusion.sum(axis=0), 1)
    recall = tp / np.maximum(confusion.sum(axis=1), 1)
    before, after = softmax(logits), softmax(logits, temperature)
    return Evaluation(
        split=split,
        classes=tuple(classes),
        top1=float((predicted == labels).mean()) if len(labels) else 0.0,
        top5=float(np.mean([labels[i] in top5[i] for i in range(len(labels))])) if len(labels) else 0.0,
        precision=tuple(float(p) for p in precision),
        recall=tuple(float(r) for r in recall),
        support=tuple(int(s) for s in confusion.sum(axis=1)),
        confusion=confusion,
        ece_before=expected_calibration_error(before, labels),
        ece_after=expected_calibration_error(after, labels),
        reliability_before=reliability(before, labels),
        reliability_after=reliability(after, labels),
    )


def _plot_curves(history: History, path: Path) -> None:
    epochs = [row["epoch"] for row in history.epochs]
    figure, (loss, acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    loss.plot(epochs, [r["train_loss"] for r in history.epochs], label="train")
    loss.plot(epochs, [r["val_loss"] for r in history.epochs], label="validation")
    loss.set_xlabel("epoch")
    loss.set_ylabel("loss")
    loss.legend()
    acc.plot(epochs, [r["train_acc"] for r in history.epochs], label="train")
    acc.plot(epochs, [r["val_acc"] for r in history.epochs], label="validation")
    acc.set_xlabel("epoch")
    acc.set_ylabel("accuracy")
    acc.set_ylim(0, 1)
    acc.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_confusion(evaluation: Evaluation, path: Path) -> None:
    n = len(evaluation.classes)
    figure, axis = plt.subplots(figsize=(1.2 + 0.55 * n, 1.0 + 0.5 * n))
    axis.imshow(evaluation.confusion, cmap="Greens")
    axis.set_xticks(range(n), evaluation.classes, rotation=60, ha="right", fontsize=8)
    axis.set_yticks(range(n), evaluation.classes, fontsize=8)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for i in range(n):
        for j in range(n):
            if evaluation.confusion[i, j]:
                axis.text(j, i, str(evaluation.confusion[i, j]), ha="center", va="center", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_reliability(evaluation: Evaluation, temperature: float, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(4.2, 4.0))
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    for rows, name in ((evaluation.reliability_before, f"raw (ECE {evaluation.ece_before:.3f})"),
                       (evaluation.reliability_after, f"T = {temperature:.2f} (ECE {evaluation.ece_after:.3f})")):  # fmt: skip
        if rows:
            axis.plot([r[0] for r in rows], [r[1] for r in rows], marker="o", label=name)
    axis.set_xlabel("confidence")
    axis.set_ylabel("accuracy")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def evaluation_section(evaluation: Evaluation, temperature: float, out: Path, prefix: str = "") -> list[str]:
    _plot_confusion(evaluation, out / f"{prefix}confusion.png")
    _plot_reliability(evaluation, temperature, out / f"{prefix}calibration.png")
    lines = [
        f"Measured on the **{evaluation.split}** ({sum(evaluation.support)}: the crops or frames trained as examples of a "
        "class), which training never saw.",
        "",
        f"* top-1 accuracy: **{evaluation.top1:.1%}**; top-5: {evaluation.top5:.1%}",
        f"* expected calibration error: {evaluation.ece_before:.3f} raw, {evaluation.ece_after:.3f} after temperature scaling "
        f"(T = {temperature:.2f}, fitted on the validation images; written into the exported model)",
        "",
        "| class | precision | recall | test images |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c} | {p:.2f} | {r:.2f} | {s} |" for c, p, r, s in
              zip(evaluation.classes, evaluation.precision, evaluation.recall, evaluation.support, strict=True)]  # fmt: skip
    lines += ["", f"![confusion matrix]({prefix}confusion.png) ![calibration]({prefix}calibration.png)", ""]
    if min(evaluation.support, default=0) < 10:
        lines += ["> Few test images per class: these figures can move by tens of percent with another split. "
                  "Add photos before trusting them.", ""]  # fmt: skip
    return lines


def tradeoff_section(table: Sequence[FrameScore], split: str, threshold: float = DEFAULT_THRESHOLD) -> list[str]:
    lines = [f"Every {split} frame through the engine's own decision (roll-up, threshold, not-an-animal rule), as "
             "`livespecies classify --model` and the window will decide it. *Right*: the first answer names the frame's "
             "animal, or no animal is claimed on an empty, human or vehicle frame. *Wrong*: another animal, or an animal "
             "on a non-animal frame. *Coarser*: a true but coarser taxon. *Abstained*: nothing claimed on an animal frame.",
             "", "| threshold | right | wrong | coarser | abstained |", "|---|---|---|---|---|"]  # fmt: skip
    for row in table:
        mark = " (the model's default)" if row.threshold == threshold else ""
        lines.append(f"| {row.threshold:.2f}{mark} | {row.right_rate:.1%} ({row.right}) | {row.wrong_rate:.1%} ({row.wrong}) | "
                     f"{row.coarser} | {row.abstained} |")  # fmt: skip
    return lines + [""]


def drift_sentence(earlier: FrameScore, latest: FrameScore) -> str:
    """What to expect on a later season's frames, from how the latest events (test) fared against the earlier ones
    (validation). Measured on a real camera: 65 % right on the latest test events, 51 % on the weeks after them."""
    lost, gained = earlier.right_rate - latest.right_rate, latest.wrong_rate - earlier.wrong_rate
    if lost <= 0.02 and gained <= 0.02:
        return ("The latest events scored as well as the earlier validation events, so no drift showed in these frames; a new "
                "season (light, foliage, coats) can still lower the figures, so label some of its frames and retrain.")
    return (f"The latest events scored {max(lost, 0):.0%} fewer right and {max(gained, 0):.0%} more wrong than the earlier "
            f"validation events ({earlier.right_rate:.0%} right, {earlier.wrong_rate:.0%} wrong): the camera's scenes drift, and "
            f"frames from a later season may lose about as much again, until some of them are labelled and the model retrained.")


def write_report(out: Path, config: TrainConfig, dataset: Dataset, samples: Sequence[Sample], split: SplitInfo, history: History,
                 evaluation: Evaluation, point: OperatingPoint, trials: Sequence[KindTrial], chosen: str,
                 table: Sequence[FrameScore], test_split: str, baseline: Evaluation | None) -> Path:  # fmt: skip
    temperature, calibration = point.temperature, point.why
    _plot_curves(history, out / "curves.png")
    backbone = "small CNN from scratch" if config.mode == "scratch" else f"{config.backbone} ({config.mode})"
    at_default = next((row for row in table if row.threshold == point.threshold), None)
    lines = [f"# Training report: {backbone}, {chosen}", ""]
    if at_default is not None:
        lines += [f"**On the {test_split} frames at the model's default threshold {point.threshold:g}: {at_default.right_rate:.1%} right, "
                  f"{at_default.wrong_rate:.1%} wrong** ({at_default.frames} frames).", ""]  # fmt: skip
        kept = next((trial for trial in trials if trial.kind == chosen), None)
        if kept is not None and test_split == "test":
            lines += [drift_sentence(kept.validation, at_default), ""]
    lines += ["## Data", "",
              f"`{config.data}`: {len(dataset.classes)} classes, {len(samples)} frames used, {len(dataset.skipped)} skipped. "
              f"Frame times: {split.times}; {split.events} events (frames of one label at most {config.event_gap:g} s apart, "
              f"at most {config.event_size} frames). Split {split.how}.", "",
              "| class | train | val | test |", "|---|---|---|---|"]  # fmt: skip
    for index, name in enumerate(dataset.classes):
        counts = [sum(1 for s in samples if s.label == index and s.split == name_) for name_ in ("train", "val", "test")]
        lines.append(f"| {name} | {counts[0]} | {counts[1]} | {counts[2]} |")
    lines.append("")
    lines += [f"* {note}" for note in split.notes] + ([""] if split.notes else [])
    if config.balance != "none":
        lines += [f"Class imbalance handled by a weighted {'loss' if config.balance == 'loss' else 'sampler'} (inverse class frequency).", ""]
    lines += [f"* {w}" for w in dataset.warnings] + ([""] if dataset.warnings else [])
    if dataset.skipped:
        lines += ["Skipped files:", ""] + [f"* {s}" for s in dataset.skipped] + [""]
    lines += ["## What the model sees", "", "| input | views | hard negatives | validation frames right | wrong |", "|---|---|---|---|---|"]
    for trial in trials:
        mark = " **(kept)**" if trial.kind == chosen else ""
        lines.append(f"| {trial.kind}{mark} | {trial.views} | {trial.negatives} | {trial.validation.right_rate:.1%} | "
                     f"{trial.validation.wrong_rate:.1%} |")  # fmt: skip
    lines += ["", f"The exported model records `{chosen}`, and the engine shows it exactly that in `classify` and the window.", ""]
    lines += ["## Training", "",
              f"{len(history.epochs)} epochs; kept {history.kept}. Image size {config.image_size}, augmentation "
              f"`{config.augment}`, learning rate {config.lr:g}.", "", "![training curves](curves.png)", "",
              "## Calibration", "", f"{calibration}. The temperature and the threshold are written into the exported model: the threshold is "
              "what the window's slider starts at and what `classify` and the watcher use unless told otherwise.", "",
              f"## {test_split.capitalize()} frames: right, wrong and abstained by threshold", ""]  # fmt: skip
    lines += tradeoff_section(table, test_split, point.threshold)
    lines += ["## Per class", ""]
    lines += evaluation_section(evaluation, temperature, out)
    if baseline is not None:
        lines += ["## From scratch, for comparison", "",
                  f"The small CNN (conv → ReLU → max-pool blocks, flatten, fully connected) trained from scratch on the same views: "
                  f"top-1 **{baseline.top1:.1%}** against **{evaluation.top1:.1%}** with transfer learning.", ""]  # fmt: skip
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
