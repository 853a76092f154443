"""A user's labelled photos on disk: what is there, what is usable, and what is wrong with it.

Three layouts are read:

    DATA/red_fox/*.jpg  DATA/badger/*.jpg …                  one folder per class, split by us
    DATA/train/red_fox/…  DATA/val/red_fox/…  DATA/test/…     the user's own split
    DATA.csv with a header and columns path,label             labels kept in a spreadsheet (Timelapse-style
                                                              export: RelativePath + File, or Species, work too);
                                                              paths relative to the CSV

An optional CSV (``--labels``) names each class folder properly (see ``labels.py``).
Everything a user can get wrong is found before any training starts: an empty
folder, a single class, classes with too few images, unreadable files (skipped,
counted and listed, never fatal).
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from livespecies.capture.image_file import IMAGE_EXTENSIONS, load_image
from livespecies.errors import ImageError, UserError

SPLIT_NAMES = ("train", "val", "test")


class DatasetError(UserError):
    """The dataset cannot be trained on as it is; the message says what to change."""


@dataclass(frozen=True)
class Sample:
    path: Path
    label: int
    split: str | None  # given by the folder layout, or None when we split


@dataclass
class Dataset:
    root: Path
    classes: list[str]
    samples: list[Sample]
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(self.classes[s.label] for s in self.samples)


def _images_in(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        names = set(files)
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in IMAGE_EXTENSIONS:
                continue
            if name.endswith(".jpg") and not name.endswith(".raw.jpg") and name[:-4] + ".raw.jpg" in names:
                continue  # a livespecies snapshot's annotated copy: boxes and labels are drawn on it; its raw twin is used
            found.append(Path(root) / name)
    return found


def check_image(path: Path) -> str | None:
    """None when the file decodes into a usable picture, else the one-sentence reason."""
    try:
        image = load_image(path, target_long_side=1024)
    except ImageError as exc:
        return str(exc)
    if min(image.pixels.shape[:2]) < 16:
        return f"{path} is too small ({image.pixels.shape[1]}×{image.pixels.shape[0]} pixels)."
    if float(np.std(cv2.cvtColor(image.pixels, cv2.COLOR_BGR2GRAY))) < 1.0:
        return f"{path} is a single flat colour (a blank or failed capture)."
    return None


PATH_COLUMNS = ("path", "file", "filename", "filepath", "relative_path")
LABEL_COLUMNS = ("label", "species", "class", "category")


def read_labelled_csv(path: Path, known_labels: set[str] | None = None) -> tuple[list[tuple[Path, str]], list[str]]:
    """(image path, label) rows of a spreadsheet export, and the rows that name a missing file.

    ``known_labels``: when the labels CSV defines the classes, a label it lacks is refused (a typo would
    otherwise become a class of its own).
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DatasetError(f"Labels table {path} cannot be read ({exc.strerror or exc}).") from None
    with handle:
        reader = csv.DictReader(handle)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        path_column = next((columns[c] for c in PATH_COLUMNS if c in columns), None)
        folder_column = columns.get("relativepath")
        if path_column is None and folder_column and "file" in columns:
            path_column = columns["file"]
        label_column = next((columns[c] for c in LABEL_COLUMNS if c in columns), None)
        if path_column is None or label_column is None:
            raise DatasetError(f"Labels table {path} needs a header naming a path column ({', '.join(PATH_COLUMNS)}) and a label "
                               f"column ({', '.join(LABEL_COLUMNS)}); it has {', '.join(reader.fieldnames or []) or 'no header'}.")  # fmt: skip
        rows: list[tuple[Path, str]] = []
        missing: list[str] = []
        for line, row in enumerate(reader, start=2):
            name = (row.get(path_column) or "").strip()
            label = (row.get(label_column) or "").strip()
            if not name or not label:
                raise DatasetError(f"Labels table {path}, line {line}: the {'path' if not name else 'label'} is empty.")
            if known_labels is not None and label not in known_labels:
                raise DatasetError(f"Labels table {path}, line {line}: label '{label}' is not a class of the labels CSV "
                                   f"({', '.join(sorted(known_labels))}).")  # fmt: skip
            relative = Path(row[folder_column].strip(), name) if folder_column and path_column == columns.get("file") else Path(name)
            image = relative if relative.is_absolute() else path.parent / relative
            if image.is_file():
                rows.append((image, label))
            else:
                missing.append(f"{image} (line {line}) does not exist.")
    return rows, missing


def scan_table(table: Path, min_per_class: int = 10, warn_below: int = 30, known_labels: set[str] | None = None) -> Dataset:
    """A dataset from a ``path,label`` spreadsheet: the same checks as for class folders."""
    rows, missing = read_labelled_csv(table, known_labels)
    if len(missing) > max(len(rows), 0):
        raise DatasetError(f"{len(missing)} of the {len(missing) + len(rows)} files in {table} do not exist (the first: "
                           f"{missing[0]}); paths are read relative to the CSV's folder.")  # fmt: skip
    class_names = sorted(known_labels or {label for _, label in rows})
    if len(class_names) < 2:
        raise DatasetError(f"{table} names only one class ({class_names[0] if class_names else 'none'}): a classifier needs at least two.")
    dataset = Dataset(table, class_names, [], skipped=list(missing))
    for image, label in rows:
        problem = check_image(image)
        if problem:
            dataset.skipped.append(problem)
        else:
            dataset.samples.append(Sample(image, class_names.index(label), None))
    return _validated(dataset, min_per_class, warn_below, what="class")


def scan(root: Path, min_per_class: int = 10, warn_below: int = 30, min_classes: int = 2, known_labels: set[str] | None = None) -> Dataset:
    """Find classes and images under ``root`` (a folder, or a ``path,label`` CSV), validate them, and refuse what cannot train."""
    if root.is_file() and root.suffix.lower() == ".csv":
        return scan_table(root, min_per_class, warn_below, known_labels)
    if not root.is_dir():
        raise DatasetError(f"Dataset folder {root} does not exist.")
    splits_given = all((root / name).is_dir() for name in ("train", "val"))
    layout: list[tuple[str | None, Path]] = [(None, root)]
    if splits_given:
        layout = [(name, root / name) for name in SPLIT_NAMES if (root / name).is_dir()]
    class_names = sorted({d.name for _, base in layout for d in base.iterdir() if d.is_dir() and not d.name.startswith(".")})
    if not class_names:
        raise DatasetError(f"{root} has no class folders: put each species' photos in a folder named after it.")
    if len(class_names) < min_classes:
        raise DatasetError(f"{root} has only one class ({class_names[0]}): a classifier needs at least two.")
    dataset = Dataset(root, class_names, [])
    for split, base in layout:
        for index, name in enumerate(class_names):
            folder = base / name
            if not folder.is_dir():
                continue
            for path in _images_in(folder):
                problem = check_image(path)
                if problem:
                    dataset.skipped.append(problem)
                else:
                    dataset.samples.append(Sample(path, index, split))
    return _validated(dataset, min_per_class, warn_below, what="class folder")


def _validated(dataset: Dataset, min_per_class: int, warn_below: int, what: str) -> Dataset:
    counts = dataset.counts()
    root, class_names = dataset.root, dataset.classes
    if not dataset.samples:
        raise DatasetError(f"{root} contains no readable images.")
    empty = [name for name in class_names if counts[name] == 0]
    if empty:
        raise DatasetError(f"{what.capitalize()}(s) {', '.join(empty)} contain no readable images; remove them or add photos.")
    too_few = [f"{name} ({counts[name]})" for name in class_names if counts[name] < min_per_class]
    if too_few:
        raise DatasetError(f"Too few images to train and evaluate on: {', '.join(too_few)}; need at least {min_per_class} per class.")
    thin = [f"{name} ({counts[name]})" for name in class_names if counts[name] < warn_below]
    if thin:
        dataset.warnings.append(f"Classes with fewer than {warn_below} images will be learnt poorly: {', '.join(thin)}.")
    if dataset.skipped:
        dataset.warnings.append(f"Skipped {len(dataset.skipped)} unreadable or missing image(s); see the report for the list.")
    largest, smallest = max(counts.values()), min(counts.values())
    if largest > 5 * smallest:
        dataset.warnings.append(f"Classes are unbalanced ({smallest} to {largest} images); training weights the rare classes up.")
    return dataset
