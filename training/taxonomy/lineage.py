"""Build a lineage (label → species → genus → … → kingdom) for every ImageNet class from WordNet.

WordNet stores the Latin taxonomy as "member holonyms": brown bear is a member
of genus Ursus, which is a member of family Ursidae, and so on up to kingdom
Animalia. The rules, in order of trust:

1. A reviewed correction (``corrections.py``) wins, because WordNet 3.0 (2006)
   is out of date for several groups and wrong for a few ImageNet senses.
2. A Latin binomial among the class's own words makes it a species; its genus
   is the binomial's first word (not WordNet's holonym, which still points at
   retired genera such as Euarctos for the black bear).
3. A binomial on a hypernym makes the class a breed or form of that species
   (every dog breed sits under Canis familiaris).
4. Otherwise the class is an unranked group hanging from the taxon it is a
   member of (goose → Anatidae), found on the class or its nearest hypernym.

Each taxon's parent is a function of the taxon alone, so the result is a tree
by construction; the engine re-checks that when it loads the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from livespecies.inference.contract import RANK_ORDER, LabelSpec
from livespecies.types import Taxon
from training.taxonomy import corrections
from training.taxonomy.wordnet import Synset, WordNet

PERSON_OFFSET = 7846  # person, individual: people are organisms in WordNet but never "an animal" here
BINOMIAL = re.compile(r"^([A-Z][a-z]+)_([A-Za-z]+)(?:_([a-z]+))?$")
TaxonKey = tuple[str, str]


def rank_index(rank: str) -> int:
    return RANK_ORDER.index(rank)


@dataclass
class LineageBuilder:
    wordnet: WordNet
    # Filled while building; kept for the report.
    notes: list[str] = field(default_factory=list)
    _parent_cache: dict[TaxonKey, TaxonKey | None] = field(default_factory=dict)

    # ---- taxa -------------------------------------------------------------------------
    def binomial(self, synset: Synset) -> tuple[str, str | None] | None:
        """('Ursus arctos', None) or ('Canis lupus', 'Canis lupus tundrarum') when the synset names one."""
        for word in synset.words:
            match = BINOMIAL.match(word)
            if not match:
                continue
            genus = match.group(1)
            if genus in corrections.GENUS_RENAMES:
                genus = corrections.GENUS_RENAMES[genus]
            elif self.wordnet.taxon_synset("genus", genus) is None and ("genus", genus) not in corrections.TAXON_PARENTS:
                continue  # "Mexican hairless", "Persian cat": capitalised common names, not binomials
            species = f"{genus} {match.group(2).lower()}"
            species = corrections.SPECIES_RENAMES.get(species, species)
            trinomial = f"{species} {match.group(3)}" if match.group(3) else None
            return species, trinomial
        return None

    def parent(self, key: TaxonKey) -> TaxonKey | None:
        """The next coarser taxon above ``key``: corrections first, then WordNet."""
        if key in self._parent_cache:
            return self._parent_cache[key]
        result = self._find_parent(key)
        self._parent_cache[key] = result
        return result

    def _find_parent(self, key: TaxonKey) -> TaxonKey | None:
        rank, name = key
        if key in corrections.TAXON_PARENTS:
            return corrections.TAXON_PARENTS[key]
        if rank == "species":
            return ("genus", name.split()[0])
        if rank == "subspecies":
            return ("species", " ".join(name.split()[:2]))
        if rank == "kingdom":
            return None
        synset = self.wordnet.taxon_synset(rank, name)
        if synset is None:
            return None
        found = self._coarser_holonym(synset, rank)
        if found:
            return found
        # The holonym chain stops short (Pterois → Scorpaenidae → nothing). The common-name
        # synsets of the taxon ("scorpaenid") usually have hypernyms that do reach further.
        for common in self.common_synsets(key):
            for ancestor in self.wordnet.hypernym_closure(common.offset):
                found = self._coarser_holonym(ancestor, rank)
                if found:
                    return found
        return None

    def _coarser_holonym(self, synset: Synset, rank: str) -> TaxonKey | None:
        """The finest member holonym strictly coarser than ``rank``, following same-rank links upwards."""
        frontier = [synset]
        seen = {synset.offset}
        while frontier:
            candidates: list[TaxonKey] = []
            next_frontier: list[Synset] = []
            for item in frontier:
                for offset in item.member_holonyms:
                    holonym = self.wordnet[offset]
                    taxon = holonym.taxon_rank_and_name()
                    if taxon is None or offset in seen:
                        continue
                    seen.add(offset)
                    taxon = corrections.TAXON_RENAMES.get(taxon, taxon)
                    if rank_index(taxon[0]) > rank_index(rank):
                        candidates.append(taxon)
                    else:
                        next_frontier.append(holonym)  # e.g. class Dicotyledones → class Angiospermae
            if candidates:
                return min(candidates, key=lambda t: rank_index(t[0]))
            frontier = next_frontier
        return None

    def common_synsets(self, key: TaxonKey) -> list[Synset]:
        """Synsets whose members belong to this taxon ("bear" for Ursidae)."""
        synset = self.wordnet.taxon_synset(*key)
        if synset is None:
            return []
        return [s for s in self._members_index().get(synset.offset, []) if s.taxon_rank_and_name() is None]

    def _members_index(self) -> dict[int, list[Synset]]:
        if not hasattr(self, "_members"):
            index: dict[int, list[Synset]] = {}
            for synset in self.wordnet.synsets.values():
                for offset in synset.member_holonyms:
                    index.setdefault(offset, []).append(synset)
            self._members = index
        return self._members

    def lineage_above(self, key: TaxonKey) -> list[TaxonKey]:
        """``key`` and all its ancestors, finest first."""
        chain = [key]
        while True:
            parent = self.parent(chain[-1])
            if parent is None:
                break
            if rank_index(parent[0]) <= rank_index(chain[-1][0]):
                raise ValueError(f"taxonomy goes downwards: {chain[-1]} → {parent}; fix corrections.TAXON_PARENTS")
            chain.append(parent)
        return chain

    # ---- labels -----------------------------------------------------------------------
    def anchor(self, synset: Synset) -> tuple[str, TaxonKey | None]:
        """The label's own rank and the taxon it hangs from (or is, for species)."""
        binomial = self.binomial(synset)
        if binomial:
            species, trinomial = binomial
            return ("subspecies", ("subspecies", trinomial)) if trinomial else ("species", ("species", species))
        direct = self._coarser_holonym(synset, "form")
        if direct:
            return "unranked", direct
        # A binomial anywhere above wins over a holonym nearer by: a whippet is a greyhound,
        # a dog, Canis familiaris, even though "greyhound" is also a "racer" → "animal".
        ancestors = list(self.wordnet.hypernym_closure(synset.offset))
        for ancestor in ancestors:
            binomial = self.binomial(ancestor)
            if binomial:
                species = binomial[0]
                rank = "breed" if species in corrections.DOMESTIC_SPECIES else "form"
                return rank, ("species", species)
        for ancestor in ancestors:
            held = self._coarser_holonym(ancestor, "form")
            if held:
                return "unranked", held
        return "unranked", None

    def species_common_names(self) -> dict[TaxonKey, str]:
        """'dog' for Canis familiaris: the first word of every synset that carries a binomial."""
        names: dict[TaxonKey, str] = {}
        for synset in self.wordnet.synsets.values():
            binomial = self.binomial(synset) if synset.lexname_id == 5 else None  # 5: noun.animal
            if binomial and not binomial[1]:
                names.setdefault(("species", binomial[0]), synset.lemmas[0])
        return names


def build_labels(wordnet: WordNet, wnids: Sequence[str], lemmas: dict[str, str]) -> tuple[list[LabelSpec], list[str]]:
    """One LabelSpec per ImageNet class, in class order, and notes for the build report."""
    builder = LineageBuilder(wordnet)
    common_names = _taxon_common_names(builder, wordnet, wnids)
    labels: list[LabelSpec] = []
    owners: dict[TaxonKey, str] = {}
    for wnid in wnids:
        synset = wordnet[int(wnid[1:])]
        common = corrections.COMMON_NAMES.get(wnid, lemmas[wnid].split(",")[0].strip())
        fix = corrections.LABELS.get(wnid)
        organism = wordnet.is_organism(synset.offset) and not any(
            s.offset == PERSON_OFFSET for s in wordnet.hypernym_closure(synset.offset)
        )
        if fix is not None and fix.organism is not None:
            organism = fix.organism
        if not organism:
            labels.append(LabelSpec(key=wnid, common_name=common, organism=False))
            continue
        if fix is not None and fix.anchor is not None:
            rank, anchor = fix.rank, fix.anchor
        else:
            rank, anchor = builder.anchor(synset)
        if anchor is None:
            raise ValueError(f"{wnid} {common}: no taxon found; add it to corrections.LABELS")
        chain = builder.lineage_above(anchor)
        taxa = [_taxon(k, common_names.get(k)) for k in chain]
        if rank in ("species", "subspecies"):
            taxa[0] = _taxon(chain[0], common)  # the class's own name is the best common name for itself
        else:
            taxa.insert(0, Taxon(rank=rank, name=common, common_name=common, scientific=False))
        own = (taxa[0].rank, taxa[0].name)
        if own in owners:
            raise ValueError(f"{wnid} {common} and {owners[own]} are both {own}; separate them in corrections.LABELS")
        owners[own] = f"{wnid} {common}"
        if taxa[-1].rank != "kingdom":
            builder.notes.append(f"{wnid} {common}: lineage stops at {taxa[-1].rank} {taxa[-1].name}")
        elif taxa[-1].name != "Animalia":
            # ImageNet's daisy, lady's slipper and seven mushrooms are organisms, but the program names animals: a
            # hen's crop scored "gyromitra 81 %" once became a sighting. As objects they still count as not-an-animal.
            labels.append(LabelSpec(key=wnid, common_name=common, organism=False))
            continue
        labels.append(LabelSpec(key=wnid, common_name=common, organism=True, lineage=tuple(taxa)))
    return labels, builder.notes


def _taxon(key: TaxonKey, common: str | None) -> Taxon:
    return Taxon(rank=key[0], name=key[1], common_name=common, scientific=True)


def _taxon_common_names(builder: LineageBuilder, wordnet: WordNet, wnids: Iterable[str]) -> dict[TaxonKey, str]:
    """Common names for family and coarser taxa, where one word covers most of the classes beneath.

    "bear" names Ursidae because every bear class descends from the synset
    "bear"; Anatidae gets no common name because "duck" covers only half of
    ImageNet's ducks, geese and swans. Genera get none: WordNet's genus members
    ("wolf", "dog", "jackal" in Canis) rarely name the whole genus.
    """
    names = builder.species_common_names()
    names.update(corrections.TAXON_COMMON_NAMES)
    below: dict[TaxonKey, list[set[int]]] = {}
    for wnid in wnids:
        synset = wordnet[int(wnid[1:])]
        if not wordnet.is_organism(synset.offset) or wnid in corrections.LABELS:
            continue
        _, anchor = builder.anchor(synset)
        if anchor is None:
            continue
        closure = {synset.offset} | {s.offset for s in wordnet.hypernym_closure(synset.offset)}
        for key in builder.lineage_above(anchor):
            below.setdefault(key, []).append(closure)
    for key, closures in below.items():
        if key in names or rank_index(key[0]) < rank_index("family"):
            continue
        best: tuple[int, str] | None = None
        for common in builder.common_synsets(key):
            covered = sum(common.offset in closure for closure in closures)
            if covered * 2 > len(closures) and (best is None or covered > best[0]):
                best = (covered, common.lemmas[0])
        if best:
            names[key] = best[1]
    return names
