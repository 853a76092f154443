"""Reproducible, stratified train/val/test splits that never split an event.

Camera traps fire in bursts: three nearly identical frames of one fox. If one
lands in training and its twin in the test set, the test measures memory, not
recognition. Frames are grouped into events (``events.py``: by time, or by
appearance when there is no time), and whole events are assigned to splits,
class by class: the earliest events to training and the latest to the test
(``time_split``, how a user's model will be used: on the camera's next frames),
or in an order fixed by the seed (``stratified_split``). Every class keeps at
least one event for training.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt


def dhash(pixels: npt.NDArray[np.uint8], size: int = 8) -> int:
    """64-bit difference hash: robust to resizing, compression and small exposure changes."""
    grey = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY) if pixels.ndim == 3 else pixels
    small = cv2.resize(grey, (size + 1, size), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def hamming(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def group_near_duplicates(hashes: Sequence[int], labels: Sequence[int], max_distance: int = 6) -> list[int]:
    """A group id per image; images of the same class within ``max_distance`` bits share a group (transitively)."""
    parent = list(range(len(hashes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_label: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    for members in by_label.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if hamming(hashes[i], hashes[j]) <= max_distance:
                    parent[find(i)] = find(j)
    return [find(i) for i in range(len(hashes))]


def stratified_split(
    labels: Sequence[int], groups: Sequence[int], fractions: tuple[float, float, float] = (0.7, 0.15, 0.15), seed: int = 0
) -> list[str]:
    """'train', 'val' or 'test' per image: per class, whole groups are dealt out to reach the fractions.

    Every class with at least three groups gets at least one group in each split.
    """
    if abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) < 0:
        raise ValueError(f"split fractions must be non-negative and sum to 1, got {fractions}")
    rng = random.Random(seed)
    assignment = [""] * len(labels)
    names = ("train", "val", "test")
    for label in sorted(set(labels)):
        members = [i for i, lab in enumerate(labels) if lab == label]
        class_groups: dict[int, list[int]] = defaultdict(list)
        for i in members:
            class_groups[groups[i]].append(i)
        order = sorted(class_groups)  # sorted first, so the shuffle depends only on the seed
        rng.shuffle(order)
        total = len(members)
        targets = [fraction * total for fraction in fractions]
        filled = [0, 0, 0]
        for position, group in enumerate(order):
            remaining = len(order) - position
            empty = [k for k in (1, 2) if filled[k] == 0 and fractions[k] > 0]
            if empty and remaining <= len(empty):
                split = empty[0]  # make sure val and test each get a group when there are enough groups
            else:
                split = max(range(3), key=lambda k: (targets[k] - filled[k]) / max(targets[k], 1e-9))
            filled[split] += len(class_groups[group])
            for i in class_groups[group]:
                assignment[i] = names[split]
    return assignment


def time_split(labels: Sequence[int], groups: Sequence[int], order: Sequence[float], fractions: tuple[float, float, float]) -> list[str]:
    """'train', 'val' or 'test' per image: per class, events in time order (``order``: a time or position per
    image), the first ones to training, then validation, the last ones to the test, to reach the fractions.

    Every class keeps its first event for training; a class with at least three events gets one in each split
    (two events: training and validation).
    """
    if abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) < 0:
        raise ValueError(f"split fractions must be non-negative and sum to 1, got {fractions}")
    assignment = [""] * len(labels)
    for label in sorted(set(labels)):
        class_groups: dict[int, list[int]] = defaultdict(list)
        for i, lab in enumerate(labels):
            if lab == label:
                class_groups[groups[i]].append(i)
        events = sorted(class_groups.values(), key=lambda members: min(order[i] for i in members))
        for members, split in zip(events, _deal_in_order([len(e) for e in events], fractions), strict=True):
            for i in members:
                assignment[i] = split
    return assignment


def _deal_in_order(sizes: Sequence[int], fractions: tuple[float, float, float]) -> list[str]:
    """Consecutive runs of events (``sizes``: frames per event) for train, then val, then test, each run
    reaching its share of the frames, and each split that wants frames getting at least one event when there
    are enough: a split moves on when it is full, or when the events left are only enough for the later ones."""
    names = ["train"] + [name for name, f in (("val", fractions[1]), ("test", fractions[2])) if f > 0]
    shares = [fractions[0]] + [f for f in fractions[1:] if f > 0]
    n, total = len(sizes), sum(sizes)
    splits: list[str] = []
    done, stage, goal = 0, 0, shares[0] * total
    for position, size in enumerate(sizes):
        left = n - position
        later = len(names) - 1 - stage
        while later and splits and splits[-1] == names[stage] and (done >= goal or left <= later):
            stage += 1
            later -= 1
            goal += shares[stage] * total
        splits.append(names[stage])
        done += size
    return splits
