"""Training data: every bad-data case stops (or warns) before training, splits are reproducible and burst-aware,
and snapshots from the live window train on the animal, not on the labels drawn over it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.inference.defaults import default_detector
from livespecies.sightings.snapshots import save_snapshot
from livespecies.types import Box, Frame, Prediction, Result, Taxon
from training.data.crops import crop_dataset, sidecar_box
from training.data.dataset import DatasetError, scan
from training.data.labels import label_specs, read_labels_csv
from training.data.splits import dhash, group_near_duplicates, hamming, stratified_split

BEAR = "animals/explore_world_animals-polar_bear.webp"


def fill(folder: Path, photos: Path, sources: list[str], copies: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources:
        image = cv2.imread(str(photos / source))
        for k in range(copies):
            shifted = np.roll(image, 7 * k, axis=1)
            cv2.imwrite(str(folder / f"{Path(source).stem}_{k}.jpg"), shifted)


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({}, "has no class folders"),
        ({"fox": 12}, "only one class (fox)"),
        ({"fox": 12, "badger": 0}, "badger contain no readable images"),
        ({"fox": 12, "badger": 4}, "Too few images to train and evaluate on: badger (4)"),
    ],
)
def test_datasets_that_cannot_train_are_refused_first(layout: dict[str, int], message: str, photos: Path, tmp_path: Path) -> None:
    for name, count in layout.items():
        (tmp_path / name).mkdir()
        if count:
            fill(tmp_path / name, photos, [BEAR], copies=count)
    with pytest.raises(DatasetError, match=re.escape(message)):
        scan(tmp_path, min_per_class=10)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        scan(tmp_path / "nope")


def test_bad_images_are_skipped_counted_and_listed(photos: Path, tmp_path: Path) -> None:
    for name in ("fox", "badger"):
        fill(tmp_path / name, photos, [BEAR], copies=10)
    (tmp_path / "fox" / "empty.jpg").write_bytes(b"")
    (tmp_path / "fox" / "notes.jpg").write_text("not a photo")
    cv2.imwrite(str(tmp_path / "badger" / "black.png"), np.zeros((64, 64, 3), np.uint8))
    dataset = scan(tmp_path, min_per_class=10)
    assert len(dataset.samples) == 20 and len(dataset.skipped) == 3
    assert any("empty" in s for s in dataset.skipped) and any("single flat colour" in s for s in dataset.skipped)
    assert any("Skipped 3 unreadable" in w for w in dataset.warnings)


def test_imbalance_is_reported(photos: Path, tmp_path: Path) -> None:
    fill(tmp_path / "fox", photos, [BEAR], copies=60)
    fill(tmp_path / "badger", photos, [BEAR], copies=10)
    assert any("unbalanced (10 to 60" in w for w in scan(tmp_path, min_per_class=10).warnings)


def test_labels_csv_names_classes_and_their_lineage(tmp_path: Path) -> None:
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("folder,common_name,scientific_name,rank,lineage,organism\n"
                        "red_fox,red fox,Vulpes vulpes,species,genus:Vulpes;family:Canidae;kingdom:Animalia,yes\n"
                        "empty,empty frame,,,,no\n")  # fmt: skip
    specs = label_specs(["badger", "empty", "red_fox"], read_labels_csv(csv_path))
    fox = specs[2]
    assert fox.common_name == "red fox" and [t.name for t in fox.lineage] == ["Vulpes vulpes", "Vulpes", "Canidae", "Animalia"]
    assert specs[0].lineage[0].rank == "unranked" and specs[0].common_name == "badger"  # no row: the folder name
    assert specs[1].organism is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,x\nfox,1\n", "needs a header row with at least a 'folder' column"),
        ("folder,colour\nfox,red\n", "unknown column(s) colour"),
        ("folder,rank\nfox,kind\n", "rank 'kind' is not one of"),
        ("folder,lineage\nfox,genus Vulpes\n", "is not 'rank:Name'"),
        ("folder\nwolf\n", "names folder(s) wolf that are not classes"),
        ("folder,scientific_name,rank,lineage\nfox,Vulpes vulpes,species,kingdom:Animalia;genus:Vulpes\n", "finer to coarser"),
    ],
)
def test_bad_labels_csv(content: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(content)
    with pytest.raises(DatasetError, match=re.escape(message)):
        label_specs(["badger", "fox"], read_labels_csv(path))


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_split_is_stratified_reproducible_and_keeps_groups_together(seed: int) -> None:
    labels = [0] * 40 + [1] * 20 + [2] * 6
    groups = [i // 2 for i in range(66)]  # bursts of two frames
    first = stratified_split(labels, groups, (0.7, 0.15, 0.15), seed)
    assert first == stratified_split(labels, groups, (0.7, 0.15, 0.15), seed)
    for label in (0, 1, 2):
        assert {first[i] for i, lab in enumerate(labels) if lab == label} == {"train", "val", "test"}
    for g in set(groups):
        assert len({first[i] for i, grp in enumerate(groups) if grp == g}) == 1
    train_share = sum(1 for i, lab in enumerate(labels) if lab == 0 and first[i] == "train") / 40
    assert 0.6 <= train_share <= 0.8


def test_a_different_seed_gives_a_different_split() -> None:
    labels = [0] * 30 + [1] * 30
    groups = list(range(60))
    assert stratified_split(labels, groups, seed=1) != stratified_split(labels, groups, seed=2)


def test_burst_frames_are_grouped_and_different_photos_are_not(photos: Path) -> None:
    bear = cv2.imread(str(photos / BEAR))
    rng = np.random.default_rng(0)
    burst = [np.clip(bear.astype(int) + rng.integers(-6, 7, bear.shape), 0, 255).astype(np.uint8) for _ in range(3)]
    koala = cv2.imread(str(photos / "animals/explore_world_animals-koala.webp"))
    hashes = [dhash(image) for image in [*burst, koala]]
    assert hamming(hashes[0], hashes[1]) <= 6 and hamming(hashes[0], hashes[3]) > 6
    groups = group_near_duplicates(hashes, [0, 0, 0, 0])
    assert groups[0] == groups[1] == groups[2] != groups[3]
    assert len(set(group_near_duplicates(hashes, [0, 1, 0, 0]))) == 3  # never across classes


def test_snapshots_train_on_the_raw_frame_and_the_sidecar_box(photos: Path, tmp_path: Path) -> None:
    bear = cv2.imread(str(photos / BEAR))
    folder = tmp_path / "data" / "polar_bear"
    taxon = Taxon("species", "Ursus maritimus", "polar bear")
    box = Box(0.15, 0.3, 0.7, 0.45)
    files = []
    for k in range(12):
        frame = Frame(k, 0.0, time.time() + k, bear)
        result = Result(bear.shape[1], bear.shape[0], (Prediction(taxon, 0.9, (taxon,), box, 0.6),))
        files.append(save_snapshot(folder, frame, np.zeros_like(bear), result, "demo", {}, "sighting", 0.7))
    fill(tmp_path / "data" / "koala", photos, ["animals/explore_world_animals-koala.webp"], copies=12)
    dataset = scan(tmp_path / "data", min_per_class=10)
    bears = [s.path for s in dataset.samples if dataset.classes[s.label] == "polar_bear"]
    assert len(bears) == 12 and all(p.name.endswith(".raw.jpg") for p in bears)  # annotated copies skipped
    assert sidecar_box(files[0].raw) == box
    cropped, report = crop_dataset(dataset, default_detector(), tmp_path / "crops")
    assert report.from_sidecar == 12
    crop = cv2.imread(str(next(s.path for s in cropped.samples if dataset.classes[s.label] == "polar_bear")))
    side = round(max(0.7 * bear.shape[1], 0.45 * bear.shape[0]) * 1.15)
    assert abs(crop.shape[0] - side) <= 2 and crop.shape[0] == crop.shape[1]


def test_detector_crops_whole_frames_and_keeps_blanks_whole(photos: Path, tmp_path: Path) -> None:
    fill(tmp_path / "data" / "bear", photos, [BEAR], copies=1)
    fill(tmp_path / "data" / "scene", photos, ["blank/usa-canyondeChelly.webp"], copies=1)
    dataset = scan(tmp_path / "data", min_per_class=1, warn_below=0)
    cropped, report = crop_dataset(dataset, default_detector(), tmp_path / "crops")
    assert (report.from_detector, report.whole_image) == (1, 1)
    again, _ = crop_dataset(dataset, default_detector(), tmp_path / "crops")  # cached: same files
    assert [s.path for s in again.samples] == [s.path for s in cropped.samples]
