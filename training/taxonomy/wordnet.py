"""A reader for WordNet 3.0's noun database (Debian's ``wordnet-base``).

Only what the lineage builder needs: each synset's words, its hypernyms (``@``,
``@i``) and its member holonyms (``#m``, "X is a member of genus Y"), which is
where WordNet keeps the Latin taxonomy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_NOUN = Path("/usr/share/wordnet/data.noun")

# "genus_Ursus", "family_Ursidae", ... : the words WordNet uses for taxon synsets.
TAXON_WORD = re.compile(
    r"^(form|subspecies|species|subgenus|genus|subtribe|tribe|subfamily|family|superfamily|infraorder|suborder|"
    r"order|superorder|infraclass|subclass|class|superclass|subphylum|phylum|division|subkingdom|kingdom)_(\S+)$"
)
ORGANISM_OFFSET = 4475  # organism, being: everything alive hangs below it


@dataclass(frozen=True)
class Synset:
    offset: int
    lexname_id: int
    words: tuple[str, ...]
    hypernyms: tuple[int, ...]
    member_holonyms: tuple[int, ...]
    gloss: str

    @property
    def lemmas(self) -> tuple[str, ...]:
        """Words with WordNet's underscores turned back into spaces."""
        return tuple(w.replace("_", " ") for w in self.words)

    def taxon_rank_and_name(self) -> tuple[str, str] | None:
        """('genus', 'Ursus') for the synset 'Ursus, genus Ursus'; None for other synsets."""
        for word in self.words:
            match = TAXON_WORD.match(word)
            if match and match.group(2)[:1].isupper():
                return match.group(1), match.group(2).replace("_", " ")
        return None


class WordNet:
    def __init__(self, synsets: dict[int, Synset]) -> None:
        self.synsets = synsets
        self._by_word: dict[str, list[int]] = {}
        for synset in synsets.values():
            for word in synset.words:
                self._by_word.setdefault(word.lower(), []).append(synset.offset)

    @classmethod
    def load(cls, data_noun: Path = DEFAULT_DATA_NOUN) -> WordNet:
        if not data_noun.is_file():
            raise FileNotFoundError(
                f"WordNet noun data not found at {data_noun}: install Debian's wordnet-base "
                "(apt-get install wordnet-base)."
            )
        return cls(dict(_parse(data_noun)))

    def __getitem__(self, offset: int) -> Synset:
        return self.synsets[offset]

    def find(self, word: str) -> list[Synset]:
        """Synsets containing this word (spaces or underscores, any case)."""
        return [self.synsets[o] for o in self._by_word.get(word.replace(" ", "_").lower(), [])]

    def taxon_synset(self, rank: str, name: str) -> Synset | None:
        for synset in self.find(f"{rank}_{name}"):
            if synset.taxon_rank_and_name() == (rank, name):
                return synset
        return None

    def hypernym_closure(self, offset: int) -> Iterator[Synset]:
        """All ancestors, breadth first, each once."""
        seen = {offset}
        frontier = [offset]
        while frontier:
            nxt: list[int] = []
            for off in frontier:
                for parent in self.synsets[off].hypernyms:
                    if parent not in seen:
                        seen.add(parent)
                        nxt.append(parent)
                        yield self.synsets[parent]
            frontier = nxt

    def is_organism(self, offset: int) -> bool:
        return any(s.offset == ORGANISM_OFFSET for s in self.hypernym_closure(offset))


def _parse(path: Path) -> Iterator[tuple[int, Synset]]:
    with path.open(encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):  # licence header
                continue
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            offset, lexname_id = int(fields[0]), int(fields[1])
            word_count = int(fields[3], 16)
            words = tuple(fields[4 + 2 * k] for k in range(word_count))
            at = 4 + 2 * word_count
            pointer_count = int(fields[at])
            at += 1
            hypernyms: list[int] = []
            members: list[int] = []
            for _ in range(pointer_count):
                symbol, target, pos = fields[at], int(fields[at + 1]), fields[at + 2]
                at += 4
                if pos != "n":
                    continue
                if symbol in ("@", "@i"):
                    hypernyms.append(target)
                elif symbol == "#m":
                    members.append(target)
            # WordNet marks adjective positions like "(p)" on some words; strip them.
            clean = tuple(re.sub(r"\(.*\)$", "", w) for w in words)
            yield offset, Synset(offset, lexname_id, clean, tuple(hypernyms), tuple(members), gloss.strip())
