"""The window's Train… dialog: train on the teach loop's examples in a subprocess, never in the GUI process.

    python -m training train  --data DATASET --labels DATASET/labels.csv --out RUN   (progress lines on stdout)
    python -m training export --checkpoint RUN/model.pt --out RUN/model.onnx [--scope RANK:NAME]

The dialog shows each class's examples, then the run's progress, what it is
doing and the time left; Cancel stops the subprocess (and leaves nothing
loaded). When export succeeds, ``finished`` hands the model and the chosen role
(classifier, or specialist behind the current classifier) to the window, and
the report can be read in the dialog.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from livespecies.sightings.teach import examples_per_class, known_classes

PROGRESS_PREFIX = "PROGRESS "
MIN_EXAMPLES = 10  # the training command's default minimum per class


def training_unavailable() -> str | None:
    """One sentence when this Python cannot train (the training extra is not installed), else None."""
    missing = [name for name in ("torch", "torchvision", "training") if importlib.util.find_spec(name) is None]
    if missing:
        return ("Training needs the training extra, which is not installed here: run "
                "`pip install -e '.[training]'` in the livespecies folder, then try again.")  # fmt: skip
    return None


def specialist_scope(dataset: Path) -> str | None:
    """RANK:NAME of the finest taxon every animal class of the dataset lies in, or None when they share none."""
    lineages = [[(t.rank, t.name) for t in c.lineage] for c in known_classes(dataset) if c.organism]
    if not lineages or any(not lineage for lineage in lineages):
        return None
    shared = [key for key in lineages[0] if all(key in lineage for lineage in lineages[1:])]
    return f"{shared[0][0]}:{shared[0][1]}" if shared else None


class TrainDialog(QDialog):
    model_ready = Signal(object, str)  # Path of the exported ONNX model, role: "classifier" or "specialist"
    training_failed = Signal(str)

    def __init__(self, dataset: Path, runs: Path, parent: object = None, extra_arguments: Sequence[str] = ()) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setWindowTitle("Train on your examples")
        self.dataset = dataset
        self.run_folder = runs / datetime.now().strftime("%Y%m%d-%H%M%S")
        self.extra_arguments = list(extra_arguments)
        self.process: QProcess | None = None
        self.stage = ""
        self.began = 0.0
        self.model_path: Path | None = None

        layout = QVBoxLayout(self)
        counts = examples_per_class(dataset)
        summary = ", ".join(f"{name} {count}" for name, count in counts.items()) or "none yet"
        self.examples_label = QLabel(f"Examples in {dataset}: {summary}")
        self.examples_label.setWordWrap(True)
        layout.addWidget(self.examples_label)
        form = QFormLayout()
        self.mode_box = QComboBox()
        self.mode_box.addItem("Quick (new head on a pretrained network, minutes)", "head")
        self.mode_box.addItem("Thorough (fine-tune every layer, much longer)", "finetune")
        form.addRow("Training", self.mode_box)
        self.role_box = QComboBox()
        self.role_box.addItem("Use it as the classifier", "classifier")
        scope = specialist_scope(dataset)
        if scope is not None:
            self.role_box.addItem(f"Use it as a specialist for {scope.split(':', 1)[1]}, behind the current classifier", "specialist")
        self.scope = scope
        form.addRow("Then", self.role_box)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        layout.addWidget(self.progress)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.report_view = QTextBrowser()
        self.report_view.hide()
        layout.addWidget(self.report_view, 1)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.resize(640, 320)
        problem = training_unavailable() or self._too_few(counts)
        if problem:
            self.message.setText(problem)
            self.start_button.setEnabled(False)

    def _too_few(self, counts: dict[str, int]) -> str | None:
        if len(counts) < 2:
            return "Teach at least two classes first (confirm or correct sightings; empty, human and vehicle count too)."
        minimum = next((int(a.split("=", 1)[1]) for a in self.extra_arguments if a.startswith("--min-per-class=")), MIN_EXAMPLES)
        thin = [f"{name} ({count})" for name, count in counts.items() if count < minimum]
        if thin:
            return f"Each class needs at least {minimum} examples; still short: {', '.join(thin)}."
        return None

    # ---- the subprocesses ----------------------------------------------------------------
    def start(self) -> None:
        self.start_button.setEnabled(False)
        self.mode_box.setEnabled(False)
        self.role_box.setEnabled(False)
        self.began = time.monotonic()
        self.run_folder.mkdir(parents=True, exist_ok=True)
        arguments = ["-m", "training", "train", "--data", str(self.dataset), "--labels", str(self.dataset / "labels.csv"),
                     "--out", str(self.run_folder), "--mode", str(self.mode_box.currentData()), *self.extra_arguments]  # fmt: skip
        self._launch("train", arguments)

    def _launch(self, stage: str, arguments: list[str]) -> None:
        self.stage = stage
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("LIVESPECIES_PROGRESS", "1")
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_progress)
        process.finished.connect(self._stage_done)
        self.process = process
        self.message.setText("Starting…")
        process.start(sys.executable, arguments)

    def _read_progress(self) -> None:
        if self.process is None:
            return
        for line in bytes(self.process.readAllStandardOutput().data()).decode("utf-8", "replace").splitlines():
            if not line.startswith(PROGRESS_PREFIX):
                continue
            try:
                step = json.loads(line[len(PROGRESS_PREFIX) :])
                fraction, message = float(step["fraction"]), str(step["message"])
            except (ValueError, KeyError, TypeError):
                continue
            self.show_progress(fraction * 0.95, message)  # the export is the last 5 %

    def show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 1000))
        elapsed = time.monotonic() - self.began
        left = f"; about {elapsed * (1 - fraction) / fraction / 60:.0f} min left" if fraction > 0.02 else ""
        self.message.setText(f"{message}{left}")

    def _stage_done(self, code: int, _status: object) -> None:
        process, self.process = self.process, None
        if process is None:  # cancelled
            return
        if code != 0:
            error = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip().splitlines()
            reason = next((line.removeprefix("training: ") for line in reversed(error) if line.startswith("training: ")), None)
            self._fail(reason or f"The {self.stage} step stopped with status {code}; see {self.run_folder}.")
            return
        if self.stage == "train":
            self.model_path = self.run_folder / "model.onnx"
            scope = ["--scope", self.scope] if self.role_box.currentData() == "specialist" and self.scope else []
            self.show_progress(0.95, "exporting the model")
            self._launch("export", ["-m", "training", "export", "--checkpoint", str(self.run_folder / "model.pt"),
                                    "--out", str(self.model_path), *scope])  # fmt: skip
            return
        self.show_progress(1.0, f"Done: {self.model_path}")
        self.message.setText(f"Done in {(time.monotonic() - self.began) / 60:.1f} min: {self.model_path}")
        self.show_report()
        self.cancel_button.setText("Close")
        assert self.model_path is not None
        self.model_ready.emit(self.model_path, str(self.role_box.currentData()))

    def show_report(self) -> None:
        report = self.run_folder / "report.md"
        if report.is_file():
            self.report_view.setSearchPaths([str(self.run_folder)])
            self.report_view.setMarkdown(report.read_text(encoding="utf-8"))
            self.report_view.show()
            self.resize(760, 640)

    def _fail(self, reason: str) -> None:
        self.message.setText(reason)
        self.start_button.setEnabled(True)
        self.mode_box.setEnabled(True)
        self.role_box.setEnabled(True)
        self.training_failed.emit(reason)

    def cancel(self) -> None:
        """Stop a running step (the subprocess is killed; nothing is loaded), or close the dialog."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.waitForFinished(5000)
            self._fail("Training cancelled; nothing was loaded.")
            return
        self.reject()
