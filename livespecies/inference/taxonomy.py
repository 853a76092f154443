"""Rolling class probabilities up the tree of life, and choosing what to claim.

A classifier that splits 45/40 between brown bear and black bear does not know
the species, but it is sure of the genus. Summing probabilities up the lineage
and answering with the finest taxon whose sum reaches the threshold gives
"Ursus (genus)" instead of a coin flip, "dog" for an uncertain breed, and
"Felidae" for a cat the model has no species for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from livespecies.errors import ModelError
from livespecies.inference.contract import LabelSpec
from livespecies.types import Taxon

TaxonKey = tuple[str, str]


@dataclass(frozen=True)
class TaxonChoice:
    """The claimed taxon, its summed probability, and its lineage up to the kingdom."""

    taxon: Taxon
    confidence: float
    lineage: tuple[Taxon, ...]


class Taxonomy:
    """The tree implied by a classifier's label lineages, with vectorised roll-up."""

    def __init__(self, labels: Sequence[LabelSpec], source: str = "model") -> None:
        index: dict[TaxonKey, int] = {}
        taxa: list[Taxon] = []
        parents: list[int] = []
        rows: list[list[int]] = []  # node -> label indices whose lineage contains it
        for label_index, label in enumerate(labels):
            child = -1
            # Walk from the kingdom down so each node's parent is known when it is met.
            for taxon in reversed(label.lineage):
                key = (taxon.rank, taxon.name)
                node = index.get(key)
                if node is None:
                    node = len(taxa)
                    index[key] = node
                    taxa.append(taxon)
                    parents.append(child)
                    rows.append([])
                else:
                    if parents[node] != child:
                        raise ModelError(
                            f"{source}: the taxonomy is not a tree: {taxon.rank} {taxon.name} "
                            f"has two different parents (seen under label '{label.common_name}')."
                        )
                    if taxa[node].common_name is None and taxon.common_name:
                        taxa[node] = taxon
                rows[node].append(label_index)
                child = node
        self.taxa: tuple[Taxon, ...] = tuple(taxa)
        self.parents = np.array(parents, dtype=np.int64)
        self.num_labels = len(labels)
        self.membership = np.zeros((len(taxa), len(labels)), dtype=np.float32)
        for node, members in enumerate(rows):
            self.membership[node, members] = 1.0
        self.organism = np.array([label.organism for label in labels], dtype=bool)
        self._has_parent = self.parents >= 0

    def masses(self, probabilities: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Probability of every taxon: the sum over the labels beneath it."""
        return self.membership @ probabilities.astype(np.float32, copy=False)

    def organism_mass(self, probabilities: npt.NDArray[np.float32]) -> float:
        """How much of the probability says 'a living thing' rather than an object or scene."""
        return float(probabilities[self.organism].sum())

    def lineage(self, node: int) -> tuple[Taxon, ...]:
        chain = []
        while node >= 0:
            chain.append(self.taxa[node])
            node = int(self.parents[node])
        return tuple(chain)

    def decide(self, probabilities: npt.NDArray[np.float32], threshold: float) -> TaxonChoice | None:
        """The finest taxon whose summed probability reaches ``threshold``, or None.

        With a threshold above one half the passing taxa form a single chain and
        the answer is its lowest link. At or below one half sibling taxa can
        both pass; then the answer is the most probable taxon among those with
        no passing child, which keeps the rule well-defined for any threshold.
        """
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if len(self.taxa) == 0:
            return None
        masses = self.masses(probabilities)
        passing = masses >= threshold
        if not passing.any():
            return None
        has_passing_child = np.zeros(len(self.taxa), dtype=bool)
        has_passing_child[self.parents[passing & self._has_parent]] = True
        candidates = np.flatnonzero(passing & ~has_passing_child)
        best = int(candidates[np.argmax(masses[candidates])])
        return TaxonChoice(self.taxa[best], float(masses[best]), self.lineage(best))
