"""Training data: every bad-data case stops (or warns) before training, splits are reproducible and burst-aware,
and snapshots from the live window train on the animal, not on the labels drawn over it."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from livespecies.inference.defaults import float_detector
from livespecies.inference.detector import AnimalDetector
from livespecies.inference.engine import EngineSettings
from livespecies.inference.model_file import load_model
from livespecies.sightings.snapshots import save_snapshot
from livespecies.types import Box, Frame, Prediction, Result, Taxon
from training.data.crops import sidecar_box
from training.data.dataset import DatasetError, scan
from training.data.events import FrameTimes, frame_times, group_events
from training.data.labels import label_specs, read_labels_csv
from training.data.splits import dhash, group_near_duplicates, hamming, stratified_split, time_split
from training.data.views import build_views

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
    specs_organism = [True, True]
    views = build_views(dataset.samples, specs_organism, "detector-crops", detector(), EngineSettings(), 256, tmp_path / "views")
    bear_views = [v for v in views if dataset.samples[v.frame].path in bears]
    assert len(bear_views) == 12 and {v.source for v in bear_views} == {"sidecar"}
    crop = cv2.imread(str(bear_views[0].path))
    assert crop.shape[:2] == (256, 256)  # the engine's square crop, already at the classifier's working size


def detector() -> AnimalDetector:
    return AnimalDetector(load_model(float_detector(), expect_kind="detector"))  # the detector training uses


def test_views_are_what_the_engine_shows_and_false_boxes_on_empty_frames_are_hard_negatives(photos: Path, tmp_path: Path) -> None:
    """A model is trained on what it will be shown: the detector's crops (the whole frame where it finds nothing),
    and on frames labelled as non-animals every box it finds is an example of that class."""
    fill(tmp_path / "data" / "bear", photos, [BEAR, "animals/explore_farm_animals-chicken.webp"], copies=1)
    fill(tmp_path / "data" / "empty", photos, ["blank/usa-canyondeChelly.webp", "blank/spoons.webp"], copies=1)
    dataset = scan(tmp_path / "data", min_per_class=1, warn_below=0)
    organism = [True, False]  # bear, empty
    views = build_views(dataset.samples, organism, "detector-crops", detector(), EngineSettings(), 256, tmp_path / "views")
    sources = {(dataset.classes[dataset.samples[v.frame].label], v.source) for v in views}
    assert ("bear", "detector") in sources  # the bear's box
    assert ("empty", "whole") in sources  # the canyon: no box, so the whole frame, as the engine's fallback
    assert ("empty", "negative") in sources  # spoons fool the detector: a hard negative labelled "empty"
    hens = [v for v in views if "chicken" in dataset.samples[v.frame].path.name]
    assert len(hens) >= 2 and all(v.source == "detector" for v in hens)
    again = build_views(dataset.samples, organism, "detector-crops", detector(), EngineSettings(), 256, tmp_path / "views")
    assert again == views  # cached by content
    whole = build_views(dataset.samples, organism, "whole-frame", None, EngineSettings(), 256, tmp_path / "views")
    assert [v.frame for v in whole] == [0, 1, 2, 3] and {v.source for v in whole} == {"whole"}


def stamp(path: Path, when: datetime) -> None:
    """Write EXIF DateTimeOriginal as a camera does, and give the file another modification time."""
    from PIL import Image as PILImage

    with PILImage.open(path) as image:
        exif = image.getexif()
        exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
        image.save(path, exif=exif.tobytes())
    os.utime(path, (0, 0))


def test_frame_times_come_from_exif_then_file_times_then_sequence_numbers(photos: Path, tmp_path: Path) -> None:
    fill(tmp_path / "fox", photos, [BEAR], copies=3)
    paths = sorted((tmp_path / "fox").glob("*.jpg"))
    for k, path in enumerate(paths):
        os.utime(path, (1000 + 100 * k, 1000 + 100 * k))
    times = frame_times(paths)
    assert times.source == "file" and times.times[1] - times.times[0] == 100
    for path in paths:
        os.utime(path, (5, 5))  # a card copied in one go: every file the same time
    assert frame_times(paths).source == "sequence" and frame_times(paths).times == (0.0, 1.0, 2.0)
    for k, path in enumerate(paths):
        stamp(path, datetime(2024, 5, 1, 22, 0, 5 * k))
    exif = frame_times(paths)
    assert exif.source == "exif" and exif.times[2] - exif.times[0] == 10


@pytest.mark.parametrize(
    ("labels", "seconds", "expected"),
    [
        # A burst 2 s apart is one event; an hour later is another visit.
        ([0, 0, 0, 0], [0, 2, 4, 3600], [1, 1, 1, 2]),
        # A change of label ends an event even within seconds: a class is never chained into another's event.
        ([0, 1, 0], [0, 1, 2], [1, 2, 3]),
        # A camera that fires all night at one skunk: events are cut at the size bound, not one 100-frame chain.
        ([0] * 7, [0, 1, 2, 3, 4, 5, 6], [1, 1, 1, 2, 2, 2, 3]),
    ],
)
def test_events_by_time(labels: list[int], seconds: list[float], expected: list[int]) -> None:
    assert group_events(labels, FrameTimes("exif", tuple(seconds)), max_gap=60, max_size=3) == expected


def test_usual_non_animal_class_names_are_not_animals_unless_the_csv_says_so() -> None:
    specs = label_specs(["bobcat", "empty", "Human", "vehicle"], {"vehicle": {"folder": "vehicle", "organism": "yes"}})
    assert [s.organism for s in specs] == [True, False, False, True]


def test_a_fixed_camera_never_chains_a_whole_class_into_one_group(photos: Path) -> None:
    """dHash grouping alone put a whole night class of a fixed camera in one group; without times the groups are
    consecutive near-duplicates of one label, cut at the size bound."""
    bear = cv2.imread(str(photos / BEAR))
    hashes = [dhash(bear)] * 10
    events = group_events([0] * 10, FrameTimes("none", (None,) * 10), max_gap=60, max_size=4, hashes=hashes)
    assert len(set(events)) == 3


@pytest.mark.parametrize(
    ("sizes", "fractions", "expected"),
    [
        ([5], (0.7, 0.15, 0.15), ["train"]),
        ([5, 5], (0.7, 0.15, 0.15), ["train", "val"]),
        ([5, 5, 5], (0.7, 0.15, 0.15), ["train", "val", "test"]),
        ([1] * 10, (0.7, 0.15, 0.15), ["train"] * 7 + ["val"] * 2 + ["test"]),
        ([10, 1, 1, 1], (0.7, 0.15, 0.15), ["train", "val", "val", "test"]),
        ([1] * 10, (0.8, 0.2, 0.0), ["train"] * 8 + ["val"] * 2),
    ],
)
def test_time_split_deals_whole_events_in_time_order(sizes: list[int], fractions: tuple[float, float, float], expected: list[str]) -> None:
    labels = [0] * sum(sizes)
    groups = [k for k, size in enumerate(sizes) for _ in range(size)]
    order = list(range(len(labels)))
    by_event = time_split(labels, groups, order, fractions)
    assert [by_event[groups.index(k)] for k in range(len(sizes))] == expected


def test_time_split_gives_every_class_training_frames_first() -> None:
    """The skunk that only visits late still trains on its first visit: a global time cut would leave it none."""
    labels = [0] * 20 + [1] * 6
    groups = list(range(20)) + [20, 20, 21, 21, 22, 22]
    order = list(range(26))
    splits = time_split(labels, groups, order, (0.7, 0.15, 0.15))
    assert splits[20:] == ["train", "train", "val", "val", "test", "test"]


def test_a_path_label_table_with_the_checks_of_class_folders(photos: Path, tmp_path: Path) -> None:
    fill(tmp_path / "card", photos, [BEAR, "animals/explore_world_animals-koala.webp"], copies=12)
    names = sorted(p.name for p in (tmp_path / "card").glob("*.jpg"))
    rows = [f"card/{n},{'bear' if 'polar' in n else 'koala'}" for n in names]
    (tmp_path / "labels.csv").write_text("Path,Label\n" + "\n".join(rows) + "\ncard/missing.jpg,koala\n")
    dataset = scan(tmp_path / "labels.csv", min_per_class=10)
    assert dataset.classes == ["bear", "koala"] and len(dataset.samples) == 24
    assert any("missing.jpg (line 26) does not exist" in s for s in dataset.skipped)
    (tmp_path / "timelapse.csv").write_text("RelativePath,File,Species\n" + "\n".join(f"card,{n},{'bear' if 'polar' in n else 'koala'}"
                                                                                       for n in names) + "\n")  # fmt: skip
    assert len(scan(tmp_path / "timelapse.csv", min_per_class=10).samples) == 24


@pytest.mark.parametrize(
    ("content", "known", "message"),
    [
        ("file_name,species\n", None, "needs a header naming a path column"),
        ("path,label\ncard/a.jpg,\n", None, "line 2: the label is empty"),
        ("path,label\ncard/a.jpg,Bobcat\n", {"bobcat", "empty"}, "line 2: label 'Bobcat' is not a class of the labels CSV"),
        ("path,label\nnowhere/a.jpg,bobcat\nnowhere/b.jpg,empty\n", None, "2 of the 2 files"),
        ("path,label\ncard/a.jpg,bobcat\ncard/b.jpg,empty\n", {"bobcat", "empty", "skunk"}, "skunk contain no readable images"),
    ],
)
def test_a_path_label_table_that_cannot_train_is_one_sentence(content: str, known: set[str] | None, message: str, photos: Path,
                                                              tmp_path: Path) -> None:  # fmt: skip
    fill(tmp_path / "card", photos, [BEAR], copies=1)
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / "card" / name).write_bytes(next((tmp_path / "card").glob("*_0.jpg")).read_bytes())
    (tmp_path / "labels.csv").write_text(content)
    with pytest.raises(DatasetError, match=re.escape(message)):
        scan(tmp_path / "labels.csv", min_per_class=1, known_labels=known)
