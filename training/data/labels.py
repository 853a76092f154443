"""Naming a user's classes: the optional labels CSV, turned into the model contract's LabelSpecs.

    folder,common_name,scientific_name,rank,lineage,organism
    red_fox,red fox,Vulpes vulpes,species,genus:Vulpes;family:Canidae;order:Carnivora;class:Mammalia;kingdom:Animalia,yes
    empty,empty frame,,,,no

Only ``folder`` is required. Without a row (or without the CSV) a class is named
by its folder, with rank "unranked". ``lineage`` lists the ranks above the
label, finest first; with lineages, uncertain answers roll up exactly as with
the shipped model. ``organism`` = no marks classes such as "empty", "human" or
"vehicle" that are never reported as an animal; folders with those usual names
(``NOT_ANIMALS``) are taken as non-animals unless the CSV says otherwise.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from pathlib import Path

from livespecies.errors import ModelError
from livespecies.inference.contract import RANK_ORDER, LabelSpec
from livespecies.inference.taxonomy import Taxonomy
from livespecies.spreadsheet_safe import unguarded
from livespecies.types import Taxon
from training.data.dataset import DatasetError

COLUMNS = ("folder", "common_name", "scientific_name", "rank", "lineage", "organism")
# Camera-trap classes that are not animals: without an explicit organism value they are taken as such (a
# trail camera's "empty" trained as an animal class would be claimed as an animal on every empty frame).
NOT_ANIMALS = frozenset({"empty", "blank", "none", "nothing", "human", "humans", "person", "people", "vehicle", "vehicles", "car",
                         "cars", "truck", "bike", "bicycle", "motorbike"})  # fmt: skip


def read_labels_csv(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        raise DatasetError(f"Labels file {path} does not exist.")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "folder" not in reader.fieldnames:
            raise DatasetError(f"Labels file {path} needs a header row with at least a 'folder' column.")
        unknown = set(reader.fieldnames) - set(COLUMNS)
        if unknown:
            raise DatasetError(f"Labels file {path} has unknown column(s) {', '.join(sorted(unknown))}; allowed: {', '.join(COLUMNS)}.")
        rows = {}
        for line, row in enumerate(reader, start=2):
            row = {k: unguarded(v or "") for k, v in row.items() if k}  # written spreadsheet-safe by the window
            folder = (row.get("folder") or "").strip()
            if not folder:
                raise DatasetError(f"Labels file {path}, line {line}: the folder name is empty.")
            rows[folder] = {k: (v or "").strip() for k, v in row.items() if k}
    return rows


# Plain names for the classes a camera sees, so that a class-level answer reads "unidentified mammal".
CLASS_NAMES = {"Mammalia": "mammal", "Aves": "bird", "Reptilia": "reptile", "Amphibia": "amphibian", "Insecta": "insect",
               "Actinopterygii": "ray-finned fish", "Arachnida": "arachnid", "Gastropoda": "gastropod"}  # fmt: skip


def _lineage(text: str, where: str) -> list[Taxon]:
    taxa = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        rank, _, name = part.partition(":")
        if rank not in RANK_ORDER or not name:
            raise DatasetError(f"{where}: '{part}' is not 'rank:Name' with a known rank (genus, family, order, class, …).")
        name = name.strip()
        taxa.append(Taxon(rank, name, CLASS_NAMES.get(name) if rank == "class" else None))
    return taxa


def label_specs(classes: Sequence[str], rows: dict[str, dict[str, str]] | None, source: str = "labels CSV") -> list[LabelSpec]:
    """One LabelSpec per class folder, in class order; checked to form a valid taxonomy."""
    rows = rows or {}
    missing = [name for name in rows if name not in classes]
    if missing:
        raise DatasetError(f"{source} names folder(s) {', '.join(missing)} that are not classes in the dataset.")
    specs = []
    for name in classes:
        row = rows.get(name, {})
        common = row.get("common_name") or name.replace("_", " ")
        scientific = row.get("scientific_name") or ""
        rank = row.get("rank") or ("species" if scientific else "unranked")
        if rank not in RANK_ORDER:
            raise DatasetError(f"{source}, class {name}: rank '{rank}' is not one of {', '.join(RANK_ORDER)}.")
        own = Taxon(rank, scientific or common, common, scientific=bool(scientific))
        default = "no" if name.lower() in NOT_ANIMALS else "yes"
        organism = (row.get("organism") or default).lower() not in ("no", "false", "0")
        lineage = (own, *_lineage(row.get("lineage", ""), f"{source}, class {name}")) if organism else ()
        specs.append(LabelSpec(key=name, common_name=common, organism=organism, lineage=lineage))
    try:
        Taxonomy(specs, source=source)  # same parents everywhere, finer to coarser
    except ModelError as exc:
        raise DatasetError(str(exc)) from None
    ranks = [[RANK_ORDER.index(t.rank) for t in s.lineage] for s in specs]
    if any(b <= a for r in ranks for a, b in itertools.pairwise(r)):
        raise DatasetError(f"{source}: every lineage must go from finer to coarser ranks (species, genus, family, …).")
    return specs
