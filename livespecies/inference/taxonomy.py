"""Rolling class probabilities up the tree of life, and choosing what to claim.

A classifier that splits 45/40 between brown bear and black bear does not know
the species, but it is sure of the genus. Summing probabilities up the lineage
and answering with the finest taxon whose sum reaches the threshold gives
"Ursus (genus)" instead of a coin flip, "dog" for an uncertain breed, and
"Felidae" for a cat the model has no species for.

Two limits keep every answer one a person can use:

* Nothing above the class is ever claimed, nor the ranks between class and order
  ("placental", "marsupial"): when nothing finer reaches the threshold the answer
  is the class itself, shown as "unidentified mammal", or no taxon at all.
* A site's species list (``allowed``) removes every taxon that is neither a listed
  taxon, inside one, nor above one: the mass of an unlisted species then counts
  only towards its genus, family or order that holds a listed species.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from livespecies.errors import ModelError
from livespecies.inference.contract import RANK_ORDER, LabelSpec
from livespecies.inference.open_set import OpenSet
from livespecies.types import Taxon

TaxonKey = tuple[str, str]
Mask = npt.NDArray[np.bool_]

CLASS_RANK = RANK_ORDER.index("class")
ORDER_RANK = RANK_ORDER.index("order")
# A model's share of a claimed taxon's probability below this is not named among the models that answered.
ANSWERED_SHARE = 0.1


def claimable_rank(rank: str) -> bool:
    """Order and finer, or the class itself ("unidentified bird"); never "placental" or "vertebrate"."""
    index = RANK_ORDER.index(rank)
    return index <= ORDER_RANK or index == CLASS_RANK


@dataclass(frozen=True)
class TaxonChoice:
    """The claimed taxon, its summed probability, its lineage up to the kingdom, and the models behind it."""

    taxon: Taxon
    confidence: float
    lineage: tuple[Taxon, ...]
    models: tuple[str, ...] = ()


class Taxonomy:
    """The tree implied by a classifier's label lineages, with vectorised roll-up.

    ``label_models`` names the model each label comes from, when the labels of a
    generalist and its specialists are combined, so that an answer can say which
    model it rests on. ``label_weights`` say how much each label counts when the
    open-set rules compare a taxon's probability with its share of the labels
    (``OpenSet``; all 1 for a single model).
    """

    def __init__(self, labels: Sequence[LabelSpec], source: str = "model", label_models: Sequence[str] | None = None,
                 label_weights: Sequence[float] | None = None) -> None:  # fmt: skip
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
        self.index = index
        self.parents = np.array(parents, dtype=np.int64)
        self.num_labels = len(labels)
        # (node, label) pairs, one per taxon of each label's lineage: a sparse membership matrix. A dense one
        # for a generalist and two specialists (3,000 labels, 5,000 taxa) would be 60 MB and slow to multiply.
        self._pair_nodes = np.array([node for node, members in enumerate(rows) for _ in members], dtype=np.int64)
        self._pair_labels = np.array([label for members in rows for label in members], dtype=np.int64)
        self.organism = np.array([label.organism for label in labels], dtype=bool)
        self.claimable: Mask = np.array([claimable_rank(t.rank) for t in taxa], dtype=bool)
        named = tuple(label_models) if label_models is not None else ("",) * len(labels)
        if len(named) != len(labels):
            raise ValueError("label_models must name one model per label")
        self.model_names = tuple(dict.fromkeys(named))
        self._label_model = np.array([self.model_names.index(m) for m in named], dtype=np.int64)
        self._by_scientific_name: dict[str, list[int]] = {}
        for node, taxon in enumerate(self.taxa):
            if taxon.scientific:
                self._by_scientific_name.setdefault(taxon.name.lower(), []).append(node)
        self._restrictions: dict[tuple[str, ...], Mask] = {}
        self._label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        if self._label_weights is not None and self._label_weights.shape != (len(labels),):
            raise ValueError("label_weights must give one weight per label")

    @cached_property
    def open_set(self) -> OpenSet:
        """The open-set rules for this tree (built on first use: the live window's first decision, or a test's)."""
        return OpenSet(self, self._label_weights)

    def node(self, rank: str, name: str) -> int | None:
        return self.index.get((rank, name))

    def masses(self, probabilities: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Probability of every taxon: the sum over the labels beneath it."""
        weights = probabilities.astype(np.float64, copy=False)[self._pair_labels]
        return np.bincount(self._pair_nodes, weights=weights, minlength=len(self.taxa)).astype(np.float32)

    def label_sums(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per taxon, the sum of a per-label quantity over the labels beneath it."""
        sums = np.bincount(self._pair_nodes, weights=values[self._pair_labels], minlength=len(self.taxa))
        return sums.astype(np.float64)

    def labels_under(self, node: int) -> npt.NDArray[np.int64]:
        """Indices of the labels whose lineage holds this taxon."""
        labels: npt.NDArray[np.int64] = self._pair_labels[self._pair_nodes == node]
        return labels

    def organism_mass(self, probabilities: npt.NDArray[np.float32]) -> float:
        """How much of the probability says 'a living thing' rather than an object or scene."""
        return float(probabilities[self.organism].sum())

    def ancestors(self, node: int) -> Iterable[int]:
        """The strict ancestors of ``node``, nearest first."""
        node = int(self.parents[node])
        while node >= 0:
            yield node
            node = int(self.parents[node])

    def lineage(self, node: int) -> tuple[Taxon, ...]:
        return (self.taxa[node], *(self.taxa[a] for a in self.ancestors(node)))

    def nodes_named(self, scientific_name: str) -> list[int]:
        """Every taxon with this scientific name (any rank; case is ignored)."""
        return self._by_scientific_name.get(scientific_name.lower(), [])

    def allowed_by(self, names: tuple[str, ...]) -> Mask:
        """``restricted_to`` the taxa with these scientific names, computed once per list."""
        if names not in self._restrictions:
            self._restrictions[names] = self.restricted_to(node for name in names for node in self.nodes_named(name))
        return self._restrictions[names]

    def restricted_to(self, listed: Iterable[int]) -> Mask:
        """The taxa a site list allows: listed ones, those inside them, and those above them (up to the class)."""
        chosen = set(listed)
        allowed = np.zeros(len(self.taxa), dtype=bool)
        for node in range(len(self.taxa)):
            if node in chosen or any(a in chosen for a in self.ancestors(node)):
                allowed[node] = True
        for node in chosen:
            allowed[list(self.ancestors(node))] = True
        allowed |= np.array([t.rank == "class" for t in self.taxa], dtype=bool)
        return allowed & self.claimable

    def decide(self, probabilities: npt.NDArray[np.float32], threshold: float, allowed: Mask | None = None) -> TaxonChoice | None:
        """The finest claimable taxon whose summed probability reaches ``threshold``, or None.

        With a threshold above one half the passing taxa form a single chain and
        the answer is its lowest link. At or below one half sibling taxa can
        both pass; then the answer is the most probable taxon among those with
        no passing descendant, which keeps the rule well-defined for any threshold.
        """
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if len(self.taxa) == 0:
            return None
        masses = self.masses(probabilities)
        return self.choose(masses, probabilities, (masses >= threshold) & (self.claimable if allowed is None else allowed))

    def choose(self, masses: npt.NDArray[np.float32], probabilities: npt.NDArray[np.float32], passing: Mask) -> TaxonChoice | None:
        """The finest of the ``passing`` taxa (see ``decide``), or None when none passes."""
        found = np.flatnonzero(passing)
        if found.size == 0:
            return None
        has_passing_descendant = np.zeros(len(self.taxa), dtype=bool)
        for node in found:
            for ancestor in self.ancestors(int(node)):
                if has_passing_descendant[ancestor]:
                    break
                has_passing_descendant[ancestor] = True
        candidates = np.flatnonzero(passing & ~has_passing_descendant)
        best = int(candidates[np.argmax(masses[candidates])])
        return TaxonChoice(self.taxa[best], float(masses[best]), self.lineage(best), self.models_behind(best, probabilities))

    def models_behind(self, node: int, probabilities: npt.NDArray[np.float32]) -> tuple[str, ...]:
        """The models whose labels carry at least ``ANSWERED_SHARE`` of the taxon's probability, largest share first."""
        if not self.model_names:
            return ()
        labels = self.labels_under(node)
        shares = np.bincount(self._label_model[labels], weights=probabilities[labels], minlength=len(self.model_names))
        total = float(shares.sum())
        if total <= 0:
            return ()
        order = np.argsort(-shares, kind="stable")
        return tuple(self.model_names[i] for i in order if self.model_names[i] and shares[i] >= ANSWERED_SHARE * total)
