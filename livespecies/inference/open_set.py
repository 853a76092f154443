"""What the models cannot name, and the evidence an answer needs before it is claimed.

Rolling probabilities up the tree answers "Felidae" for a cat the models have no species for. Over a closed
vocabulary the same roll-up also builds confident families out of nothing, in two ways that real camera-trap
frames show again and again (README, "Open-set decisions", has the figures):

1. **Lopsided vocabularies.** ImageNet has 129 canids among its 159 carnivores (118 are dog breeds), so a
   diffuse answer over mammals lands mostly in Canidae: a pig at night becomes "Carnivora 0.73" although no
   label holds more than 0.13 of it. A taxon that holds more than half of its group's labels must therefore
   earn its claim: the Bayes factor of its share of the group's probability against its share of the group's
   labels (what an answer spread evenly over the labels would give it) must reach ``min_evidence`` (in groups of
   at least ten labels, where such piling up is a law of large numbers rather than the answer), and the
   stricter ``coarse_evidence`` for an order or a class ("unidentified mammal"): such an answer tells the user
   little when right, and on empty frames and people it was the commonest false animal.
2. **Gaps.** Camera traps record many animals no shipped model can name: deer, peccaries, raccoons, opossums,
   agoutis. Each would sit somewhere in the models' tree, at the finest taxon of its lineage the models know
   (deer: Artiodactyla, beside the bovids ImageNet does have). An elk's probability spreads over ox, ram,
   bighorn and impala and sums to a confident, false "Bovidae". Where the missing taxa make up most of what
   cameras record in a group (``data/camera_trap_taxa.csv``), or where a site species list names one, an answer
   inside the group is claimed only when the claimed branch is itself coherent: its probability concentrates on
   one of its own branches (Bayes factor ``gap_evidence``, as above). Otherwise the answer stops at the group:
   an elk smeared over four bovid genera is "Artiodactyla", a cow the models call "ox" stays "Bovidae".

Everything here is a pure function of the taxonomy, the shipped tables and one probability vector.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from livespecies.inference.contract import RANK_ORDER

if TYPE_CHECKING:
    from livespecies.inference.taxonomy import Taxonomy

TaxonKey = tuple[str, str]
Mask = npt.NDArray[np.bool_]
LINEAGE_RANKS = ("genus", "family", "order", "class")
ORDER_INDEX = RANK_ORDER.index("order")
# A group whose missing taxa make up at least this share of its camera-trap records needs coherent answers.
MAJORITY = 0.5
# A vocabulary is lopsided where one taxon holds more than half of a group of at least this many labels: only then
# does a diffuse answer reliably pile up in it (over three labels, two-thirds is not a bias, it is the answer).
MIN_GROUP_LABELS = 10.0


@dataclass(frozen=True)
class KnownTaxon:
    """A taxon of the world (not necessarily of any model): its name, lineage finest first, and its rough share of
    its order's camera-trap records."""

    name: str
    lineage: tuple[TaxonKey, ...]
    share: float = 0.0


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("livespecies.inference").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@cache
def camera_trap_taxa() -> tuple[KnownTaxon, ...]:
    """The common camera-trap taxa shipped with the program (``training/taxonomy/camera_trap_taxa.py``)."""
    out = []
    for row in _rows("camera_trap_taxa.csv"):
        own = [(row["rank"], row["name"])] if row["rank"] == "species" else []
        lineage = own + [(rank, row[rank]) for rank in LINEAGE_RANKS if row[rank]]
        out.append(KnownTaxon(row["name"], tuple(lineage), float(row["share"])))
    return tuple(out)


@cache
def _genera() -> dict[str, tuple[TaxonKey, ...]]:
    return {row["genus"]: tuple((rank, row[rank]) for rank in LINEAGE_RANKS if row[rank])
            for row in _rows("tetrapod_genera.csv")}  # fmt: skip


def place(name: str) -> KnownTaxon | None:
    """Where a scientific name sits in the tree of life, from the shipped tables: a listed camera-trap taxon, a
    tetrapod genus, or a species (or subspecies) of one. None when the tables do not know it."""
    for taxon in camera_trap_taxa():
        if taxon.name == name:
            return taxon
    words = name.split()
    genus = _genera().get(words[0])
    if genus is None:
        return None
    return KnownTaxon(name, ((("species", name),) if len(words) > 1 else ()) + genus)


class OpenSet:
    """The open-set rules for one taxonomy, precomputed once: label weights, split parents and their label shares,
    branching children, and the groups whose gaps call for coherent answers."""

    def __init__(self, taxonomy: Taxonomy, label_weights: npt.NDArray[np.float64] | None = None) -> None:
        self.taxonomy = taxonomy
        size = len(taxonomy.taxa)
        weights = np.ones(taxonomy.num_labels) if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        self.weight = taxonomy.label_sums(weights)
        # The split parent: the nearest ancestor that holds more labels (a chain of single children is one taxon).
        self.split = np.full(size, -1, dtype=np.int64)
        for node in range(size):
            for ancestor in taxonomy.ancestors(node):
                if self.weight[ancestor] > self.weight[node] * (1 + 1e-9):
                    self.split[node] = ancestor
                    break
        has_split = self.split >= 0
        share = np.where(has_split, self.weight / np.where(has_split, self.weight[self.split], 1.0), 1.0)
        self.prior_odds = share / np.maximum(1.0 - share, 1e-12)
        self.lopsided: Mask = has_split & (share > 0.5) & (self.weight[np.maximum(self.split, 0)] >= MIN_GROUP_LABELS)
        self.coarse: Mask = np.array([RANK_ORDER.index(t.rank) >= ORDER_INDEX for t in taxonomy.taxa], dtype=bool)
        self.branches = self._branching_children()
        self.gap_groups = frozenset(self.groups_of(camera_trap_taxa(), majority_only=True))
        self._listed: dict[tuple[str, ...], frozenset[int]] = {}

    def _branching_children(self) -> list[tuple[int, ...]]:
        """Each taxon's children, looking through chains of single children (genus → its only species)."""
        children: list[list[int]] = [[] for _ in self.taxonomy.taxa]
        for node, parent in enumerate(self.taxonomy.parents):
            if parent >= 0:
                children[int(parent)].append(node)
        out = []
        for node in range(len(children)):
            kids = children[node]
            while len(kids) == 1:
                kids = children[kids[0]]
            out.append(tuple(kids))
        return out

    def attachment(self, taxon: KnownTaxon) -> int | None:
        """The finest taxon of the models' tree on this taxon's lineage, or None when the models know the taxon."""
        if self.taxonomy.nodes_named(taxon.name) or self.taxonomy.node(*taxon.lineage[0]) is not None:
            return None
        for key in taxon.lineage[1:]:
            node = self.taxonomy.node(*key)
            if node is not None:
                return node
        return None

    def groups_of(self, taxa: Iterable[KnownTaxon], majority_only: bool) -> Iterable[int]:
        """The attachment points of the taxa the models lack, at order rank or finer; with ``majority_only``, only
        those where the missing taxa make up at least half of the order's camera-trap records."""
        missing: dict[int, float] = {}
        for taxon in taxa:
            node = self.attachment(taxon)
            if node is not None and RANK_ORDER.index(self.taxonomy.taxa[node].rank) <= ORDER_INDEX:
                missing[node] = missing.get(node, 0.0) + taxon.share
        return (node for node, share in missing.items() if not majority_only or share >= MAJORITY)

    def listed_groups(self, names: Sequence[str]) -> frozenset[int]:
        """The groups holding the names of a site list that no model can name: the user says they occur."""
        key = tuple(names)
        if key not in self._listed:
            placed = (place(name) for name in names)
            self._listed[key] = frozenset(self.groups_of((t for t in placed if t is not None), majority_only=False))
        return self._listed[key]

    def unplaceable(self, names: Sequence[str]) -> tuple[str, ...]:
        """The names no model knows and the shipped tables cannot place: nothing can be done with them."""
        return tuple(name for name in names if not self.taxonomy.nodes_named(name) and place(name) is None)

    def evidence(self, masses: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Each taxon's Bayes factor against an evenly spread answer: odds of its share of its split parent's
        probability over odds of its share of the parent's labels (infinite where it has no split parent)."""
        m = masses.astype(np.float64)
        parent = m[np.maximum(self.split, 0)]
        share = np.clip(np.where(self.split >= 0, m / np.maximum(parent, 1e-12), 1.0), 0.0, 1.0 - 1e-9)
        bayes = (share / (1.0 - share)) / self.prior_odds
        return np.where(self.split >= 0, bayes, np.inf)

    def coherent(self, node: int, masses: npt.NDArray[np.float32], needed: float) -> bool:
        """The taxon's probability concentrates on one of its branches (Bayes factor ≥ ``needed`` as in
        ``evidence``); a taxon without branches is coherent."""
        kids = self.branches[node]
        if not kids or masses[node] <= 0:
            return True
        best = max(kids, key=lambda kid: float(masses[kid]))
        share = min(float(masses[best] / masses[node]), 1.0 - 1e-9)
        prior = float(self.weight[best] / self.weight[node])
        if prior >= 1.0:
            return True
        return (share / (1.0 - share)) / (prior / (1.0 - prior)) >= needed

    def supported(self, masses: npt.NDArray[np.float32], candidates: Mask, min_evidence: float, coarse_evidence: float,
                  gap_evidence: float, groups: frozenset[int]) -> Mask:  # fmt: skip
        """Which of the ``candidates`` the evidence lets the engine claim (both rules of the module docstring)."""
        needed = np.where(self.coarse, coarse_evidence, min_evidence)
        ok = candidates & (~self.lopsided | (self.evidence(masses) >= needed))
        if not groups:
            return ok
        for node in np.flatnonzero(ok):
            below = int(node)
            for ancestor in self.taxonomy.ancestors(int(node)):
                # Only an answer that is the group beside the gap itself (or a chain of single children of it) can be
                # a sum of diffuse probability: a finer answer already holds the threshold on one of its branches.
                if ancestor in groups and self.branches[below] == self.branches[int(node)] and not self.coherent(below, masses, gap_evidence):
                    ok[node] = False
                    break
                below = ancestor
        return ok
