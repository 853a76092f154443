"""Reproducible, stratified train/val/test splits that never split a burst.

Camera traps fire in bursts: three nearly identical frames of one fox. If one
lands in training and its twin in the test set, the test measures memory, not
recognition. Near-duplicates (difference hash within ``max_distance`` bits) are
linked into groups, and whole groups are assigned to splits, class by class, in
an order fixed by the seed.
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
