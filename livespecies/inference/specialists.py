"""A generalist classifier with specialists behind it, seen by the rest of the engine as one classifier.

ImageNet knows 59 birds and no tit, chaffinch or European robin; the iNaturalist
bird model knows 964 species and nothing but birds. Run on every crop, the
specialist would name a bird in every fox; run alone, it would never say "fox".
So:

1. The generalist classifies every crop.
2. A crop whose generalist probability inside a specialist's scope (class Aves)
   reaches ``route_threshold`` is also classified by that specialist.
3. The two answers are combined as probabilities over the union of their labels
   (``combine``): outside the scope the generalist's answer stands; inside it the
   specialist splits the mass among its species, and its own ``background``
   share goes back to the generalist's labels in the scope.
4. The roll-up then runs on the joint tree exactly as for one model.

The joint tree is the generalist's tree with each specialist label grafted on at
the finest taxon of its lineage that the generalist also knows (at the latest,
the scope), so a specialist's own idea of the tree above that point never
contradicts the generalist's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from livespecies.errors import ModelError
from livespecies.inference.classifier import Probabilities, SpeciesClassifier
from livespecies.inference.contract import LabelSpec
from livespecies.inference.preprocess import Image
from livespecies.inference.taxonomy import Taxonomy

COMBINATION_RULES = ("confident", "evidence", "generalist", "specialist")


@dataclass(frozen=True)
class RoutingSettings:
    """``route_threshold``: generalist probability inside a scope that sends a crop to its specialist.

    ``rule``: how much of the crop lies inside the scope, given the generalist's probability ``m`` for the
    scope and the specialist's output:

    * ``confident`` (default): ``m``, raised when the specialist is sure of one species: ``max(m, votes(m, top))``
      where ``top`` is its most probable species and ``votes(a, b) = ab / (ab + (1-a)(1-b))`` (independent votes:
      their odds multiply). A blue tit at m = 0.6 that the specialist calls a blue tit at 0.9 counts as a bird
      at 0.93, and is named; a sea lion at m = 0.6 that the specialist spreads over ten gulls stays at 0.6.
    * ``evidence``: ``votes(m, 1 - background)``. Measured on real photos, the iNaturalist models put under
      10 % on ``background`` for most mammals too (median in-scope 0.98 on 163 mammal crops), so this turns
      sheep and sea lions into birds: wrong claims on mammals rose from 10 % to 16 %.
    * ``generalist``: ``q = m`` (the naive product: a bird ImageNet is unsure of stays unnamed).
    * ``specialist``: ``q = 1 - background``.

    The defaults were chosen by measurement on real photos (README, "Specialists").
    """

    route_threshold: float = 0.2
    rule: str = "confident"

    def __post_init__(self) -> None:
        if not 0.0 < self.route_threshold <= 1.0:
            raise ValueError(f"route_threshold must be in (0, 1], got {self.route_threshold}")
        if self.rule not in COMBINATION_RULES:
            raise ValueError(f"rule must be one of {', '.join(COMBINATION_RULES)}, got {self.rule!r}")


def _votes(a: float, b: float) -> float:
    """Two independent probabilities for the same event, combined as votes (their odds multiply)."""
    agree, disagree = a * b, (1.0 - a) * (1.0 - b)
    return agree / (agree + disagree) if agree + disagree > 0 else a


def in_scope_mass(generalist: float, specialist: Probabilities, organism: npt.NDArray[np.bool_], rule: str) -> float:
    """The combined probability that the crop lies inside the specialist's scope (see ``RoutingSettings``)."""
    inside = float(specialist[organism].sum())
    if rule == "generalist":
        return generalist
    if rule == "specialist":
        return inside
    if rule == "evidence":
        return _votes(generalist, inside)
    top = float(specialist[organism].max()) if organism.any() else 0.0
    return max(generalist, _votes(generalist, top))


def combine(
    joint: npt.NDArray[np.float32], in_scope: npt.NDArray[np.bool_], specialist: Probabilities, columns: npt.NDArray[np.int64],
    organism: npt.NDArray[np.bool_], rule: str,
) -> npt.NDArray[np.float32]:  # fmt: skip
    """One crop's joint probabilities after its specialist answered.

    ``joint``: the probabilities so far (over all joint labels; sums to 1). ``in_scope``: which joint labels lie
    in the scope. ``specialist``: the specialist's own output; ``columns[k]`` is the joint column of its k-th
    organism label, ``organism`` marks those labels. The result still sums to 1: out-of-scope labels share
    ``1 - q`` as before, the specialist's species get ``q·p_k``, and the earlier in-scope labels keep
    ``q·background`` in their old proportions.
    """
    m = float(joint[in_scope].sum())
    s = float(specialist[organism].sum())
    q = in_scope_mass(m, specialist, organism, rule)
    out = joint.copy()
    outside = ~in_scope
    out[outside] *= (1.0 - q) / (1.0 - m) if m < 1.0 else 0.0
    out[in_scope] *= q * (1.0 - s) / m if m > 0.0 else 0.0
    out[columns] += q * specialist[organism]
    return out


class Specialist:
    """A loaded specialist classifier and where its organism labels sit in the joint label list."""

    def __init__(self, classifier: SpeciesClassifier) -> None:
        scope = classifier.model.contract.scope
        if scope is None:
            raise ModelError(
                f"Model file {classifier.model.path} declares no scope, so it cannot be a specialist; "
                "export it with a scope (`python -m training export --scope class:Aves`) or load it as the classifier."
            )
        self.classifier = classifier
        self.scope = scope
        self.organism = np.array([label.organism for label in classifier.labels], dtype=bool)
        # Set when joined to a generalist: the joint columns of its organism labels, and which joint labels
        # lie inside its scope.
        self.columns = np.zeros(0, dtype=np.int64)
        self.in_scope = np.zeros(0, dtype=bool)

    @property
    def model_id(self) -> str:
        return self.classifier.model.model_id


def graft(label: LabelSpec, generalist: Taxonomy, scope_node: int, inside: set[int]) -> LabelSpec:
    """The label with its lineage above the finest taxon the generalist also has inside the scope (``inside``:
    the scope's node and its descendants) replaced by the generalist's own lineage of that taxon."""
    for depth, taxon in enumerate(label.lineage):
        node = generalist.node(taxon.rank, taxon.name)
        if node is not None and node in inside:
            return LabelSpec(label.key, label.common_name, label.organism, (*label.lineage[:depth], *generalist.lineage(node)))
    # The contract guarantees the scope itself is in every organism label's lineage, so the loop always returns.
    raise ModelError(f"Specialist label '{label.common_name}' does not descend from its scope {generalist.taxa[scope_node].name}.")


def fitting(generalist: SpeciesClassifier, specialists: Sequence[SpeciesClassifier]) -> list[SpeciesClassifier]:
    """The specialists whose scope the generalist knows: a user's own fish classifier has no birds to route."""
    taxonomy = generalist.taxonomy
    return [s for s in specialists if (scope := s.model.contract.scope) is not None and taxonomy.node(scope.rank, scope.name) is not None]


class RoutedClassifier:
    """The generalist and its specialists as one classifier over the union of their organism labels."""

    def __init__(self, generalist: SpeciesClassifier, specialists: Sequence[SpeciesClassifier] = ()) -> None:
        self.generalist = generalist
        self.specialists = [Specialist(s) for s in specialists]
        base = generalist.taxonomy
        labels = list(generalist.labels)
        models = [generalist.model.model_id] * len(labels)
        depth: dict[int, int] = {}
        for specialist in self.specialists:
            scope_node = base.node(specialist.scope.rank, specialist.scope.name)
            if scope_node is None:
                raise ModelError(
                    f"Specialist {specialist.classifier.model.path} covers {specialist.scope.rank} {specialist.scope.name}, "
                    f"which the classifier {generalist.model.path} does not know, so no crop could ever be sent to it."
                )
            inside = {scope_node, *(n for n in range(len(base.taxa)) if scope_node in base.ancestors(n))}
            own = [graft(label, base, scope_node, inside) for label in specialist.classifier.labels if label.organism]
            specialist.columns = np.arange(len(labels), len(labels) + len(own), dtype=np.int64)
            labels.extend(own)
            models.extend([specialist.model_id] * len(own))
            depth[id(specialist)] = len(base.lineage(scope_node))
        # Coarse scopes first, so a specialist inside another's scope refines the result of the outer one.
        self.specialists.sort(key=lambda s: depth[id(s)])
        self.labels = tuple(labels)
        self.taxonomy = Taxonomy(self.labels, source=str(generalist.model.path), label_models=models,
                                 label_weights=self._label_weights(base, len(labels)))  # fmt: skip
        for specialist in self.specialists:
            node = self.taxonomy.node(specialist.scope.rank, specialist.scope.name)
            assert node is not None  # grafted under it above
            specialist.in_scope = np.zeros(len(self.labels), dtype=bool)
            specialist.in_scope[self.taxonomy.labels_under(node)] = True

    def _label_weights(self, base: Taxonomy, count: int) -> list[float]:
        """How much each joint label counts in the open-set rules' label shares: a scope weighs what it weighs in
        the generalist, because the generalist decides how much probability reaches it; inside, the generalist's
        labels and the specialist's share that weight half and half."""
        weights = [1.0] * count
        for specialist in self.specialists:
            scope_node = base.node(specialist.scope.rank, specialist.scope.name)
            assert scope_node is not None  # checked in __init__
            own = base.labels_under(scope_node)
            for label in own:
                weights[int(label)] = 0.5
            for column in specialist.columns:
                weights[int(column)] = 0.5 * len(own) / len(specialist.columns)
        return weights

    @property
    def crop_size(self) -> int:
        return max([self.generalist.crop_size, *(s.classifier.crop_size for s in self.specialists)])

    @property
    def model_ids(self) -> tuple[str, ...]:
        return (self.generalist.model.model_id, *(s.model_id for s in self.specialists))

    def classify(self, images: Sequence[Image], settings: RoutingSettings | None = None) -> Probabilities:
        """One joint probability row per image; each specialist runs once, on the images routed to it."""
        general = self.generalist.classify(images)
        return self.route(general, settings or RoutingSettings(), lambda s, rows: s.classifier.classify([images[i] for i in rows]))

    def route(
        self, general: Probabilities, settings: RoutingSettings, answers: Callable[[Specialist, list[int]], Probabilities]
    ) -> Probabilities:
        """The joint rows from the generalist's rows; ``answers(specialist, rows)`` gives the specialist's output for
        the rows routed to it (running the model, or, for an evaluation sweep, looking up answers computed once)."""
        joint = np.zeros((len(general), len(self.labels)), dtype=np.float32)
        joint[:, : general.shape[1]] = general
        for specialist in self.specialists:
            routed = [i for i in range(len(joint)) if joint[i, specialist.in_scope].sum() >= settings.route_threshold]
            if not routed:
                continue
            for row, answer in zip(routed, answers(specialist, routed), strict=True):
                joint[row] = combine(joint[row], specialist.in_scope, answer, specialist.columns, specialist.organism, settings.rule)
        return joint
