"""Build an evaluation set of real bird, insect and mammal photos from pinned Debian packages.

Two kinds of image, all real photographs shipped in Debian 12 packages (see ATTRIBUTION.md):

* ``photo``: whole wallpapers, puzzle and demo photos (nuthatch, honey bee, ladybird, darter, raccoon,
  rabbits, sheep, spaniels), copied as they are, or downscaled to 2048 px and saved as JPEG q92 when larger.
* ``cutout-composite``: Tux Paint's photographic animal stamps (PNG cut-outs of ~200 px) pasted once each
  onto a real outdoor wallpaper (meadows, forest, stream, mountains, dune, lake; foliage and flowers for
  insects) in a 1280×960 frame, the animal's long side 25–45 % of the frame height, blended through its
  alpha channel with premultiplied colour so the garbage under transparent pixels never shows.

Truth is conservative: the finest taxon certain from the picture (genus or family where the species is
not), with its lineage to the class (IOC for birds, MDD for mammals). Everything is seeded per file, so
two runs write identical files. Needs network access to a Debian mirror (``apt-get download``):

    .venv/bin/python -m training.registry_photos --out .cache/eval-photos [--debs .cache/debs]

``--debs`` keeps the ~390 MB of packages between runs. It writes OUT/photos/<group>/…, OUT/truth.csv and
OUT/ATTRIBUTION.md; it is for evaluation only and nothing at run time needs it.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import re
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

import cv2
import numpy as np

PACKAGES = {
    "tuxpaint-stamps-default": "2022.06.04-1", "tuxpaint-data": "1:0.9.28-sdl2-1", "mate-backgrounds": "1.26.0-1",
    "lomiri-wallpapers-16.04": "20.04.0-2", "lomiri-wallpapers-20.04": "20.04.0-2", "palapeli-data": "4:22.12.3-1",
    "plasma-workspace-wallpapers": "4:5.27.5-2", "kphotoalbum": "5.9.1-1", "python3-scipy": "1.10.1-2",
}  # fmt: skip
FRAME = (1280, 960)
MAX_SIDE = 2048
TUX = "usr/share/tuxpaint/stamps/animals"
TUX_CREDIT = ("GPL-2", "Bill Kendrick and the Tux Paint contributors")
GROUPS = {"birds": "bird", "insects": "insect", "mammals": "mammal", "marsupials": "mammal"}
BG, LOMIRI, MATE, PLASMA = "usr/share/backgrounds/", "lomiri-wallpapers-16.04", "mate-backgrounds", "plasma-workspace-wallpapers"
PLASMA_LICENCE = "LGPL-3 (metadata.json; debian/copyright: GPL-2+)"

# Class: Order[Family(genus …) …] …; a name ending in -inae is a subfamily.
TREE = """
Aves: Galliformes[Phasianidae(Pavo Gallus Meleagris) Numididae(Numida)] Anseriformes[Anatidae(Anas Anser)] Gruiformes[Gruidae(Balearica)]
Aves: Passeriformes[Turdidae(Turdus) Corvidae(Corvus) Alaudidae(Eremophila) Artamidae(Gymnorhina) Sittidae(Sitta)] Cuculiformes[Cuculidae(Cuculus)]
Aves: Pelecaniformes[Ardeidae(Ardea) Pelecanidae(Pelecanus)] Sphenisciformes[Spheniscidae(Eudyptula Spheniscus Aptenodytes)] Rheiformes[Rheidae(Rhea)]
Aves: Strigiformes[Strigidae(Bubo)] Columbiformes[Columbidae(Columba)] Phoenicopteriformes[Phoenicopteridae(Phoenicopterus)]
Aves: Psittaciformes[Psittaculidae(Trichoglossus)] Charadriiformes[Laridae(Larus Chroicocephalus)] Accipitriformes[Accipitridae(Gyps)]
Insecta: Diptera[Syrphidae()] Orthoptera[Tettigoniidae()] Hymenoptera[Vespidae(Vespa) Apidae(Apis)] Mantodea[] Lepidoptera[Noctuidae()]
Insecta: Odonata[Libellulidae(Sympetrum)] Coleoptera[Coccinellidae()]
Mammalia: Primates[Hominidae(Pan Gorilla)] Proboscidea[Elephantidae(Loxodonta)] Perissodactyla[Equidae(Equus)]
Mammalia: Carnivora[Mustelidae(Meles Mustela Lutrinae) Otariidae() Ursidae(Ursus) Felidae(Panthera) Canidae(Canis Vulpes)]
Mammalia: Artiodactyla[Bovidae(Bison Bos Connochaetes Capra Rupicapra Ovis) Camelidae(Camelus) Cervidae(Rangifer Odocoileus Cervus) Suidae(Sus)]
Mammalia: Artiodactyla[Giraffidae(Giraffa) Hippopotamidae()] Lagomorpha[Leporidae(Oryctolagus)] Diprotodontia[Macropodidae()]
Mammalia: Diprotodontia[Phascolarctidae(Phascolarctos) Vombatidae(Vombatus)] Carnivora[Procyonidae(Procyon)]
Mammalia: Rodentia[Castoridae(Castor) Caviidae(Hydrochoerus) Sciuridae(Marmota Sciurus) Muridae(Rattus)]
"""

# (package, path, group, truth, common name, licence, author)
PHOTOS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("lomiri-wallpapers-20.04", BG + "Kleiber_by_Lukas_Baubkus.jpg", "bird", "species:Sitta europaea", "Eurasian nuthatch", "CC-BY-SA-3.0",
     "Lukas Baubkus"),
    (LOMIRI, BG + "Dragonfly_by_Bolly.jpg", "insect", "genus:Sympetrum", "darter, female (probably red-veined darter)", "CC-BY-SA-4.0", '"Bolly"'),
    (MATE, BG + "mate/nature/LadyBird.jpg", "insect", "family:Coccinellidae", "ladybird (seen from the front)", "GPL-2+", "Charles Barbin"),
    ("palapeli-data", "usr/share/palapeli/collection/european-honey-bee.jpg", "insect", "species:Apis mellifera", "western honey bee",
     "Public Domain", "John Severns (Wikimedia Commons)"),
    ("python3-scipy", "usr/lib/python3/dist-packages/scipy/misc/face.dat", "mammal", "species:Procyon lotor", "raccoon",
     "Public Domain (per SciPy's docstring; package BSD-3-Clause)", "public-domain-image.com"),
    (LOMIRI, BG + "friends_by_Aitzol_Berasategi.jpg", "mammal", "species:Canis familiaris", "two cocker spaniels", "CC-BY-4.0", "Aitzol Berasategi"),
    ("kphotoalbum", "usr/share/kphotoalbum/demo/spiff.jpg", "mammal", "species:Oryctolagus cuniculus", "domestic lop rabbit on grass",
     "GPL-2+ (package licence; demo photos not itemised)", "KPhotoAlbum authors"),
    ("kphotoalbum", "usr/share/kphotoalbum/demo/spiff_2.jpg", "mammal", "species:Oryctolagus cuniculus", "domestic lop rabbit in a crate",
     "GPL-2+ (package licence; demo photos not itemised)", "KPhotoAlbum authors"),
    ("tuxpaint-data", "usr/share/tuxpaint/templates/sheep.jpg", "mammal", "species:Ovis aries", "flock of sheep, distant", "GPL-2+", TUX_CREDIT[1]),
)  # fmt: skip

# (package, path, groups, licence, author): outdoor photos without animals; landscapes for birds and mammals, close-ups for insects.
BACKGROUNDS: tuple[tuple[str, str, str, str, str], ...] = (
    (LOMIRI, BG + "aitzgorri_by_Aitzol_Berasategi.jpg", "bird mammal", "CC-BY-4.0", "Aitzol Berasategi"),
    (LOMIRI, BG + "life_by_Aitzol_Berasategi.jpg", "bird mammal", "CC-BY-4.0", "Aitzol Berasategi"),
    (LOMIRI, BG + "picosdeeuropa_by_Aitzol_Berasategi.jpg", "bird mammal", "CC-BY-4.0", "Aitzol Berasategi"),
    (LOMIRI, BG + "seeding_by_Clements_Engelhardt.jpg", "bird insect", "CC0-1.0", "Clemens Engelhardt"),
    (PLASMA, "usr/share/wallpapers/Path/contents/images/2560x1600.jpg", "bird mammal", PLASMA_LICENCE, "Risto Saukonpää"),
    (MATE, BG + "mate/nature/Dune.jpg", "bird mammal", "GPL-2+", "Marco Cogoni, Hylke Bons"),
    (MATE, BG + "mate/nature/GreenMeadow.jpg", "insect", "GPL-2+", "Timothy Schellhase, Lapo Calamandrei"),
    (MATE, BG + "mate/nature/RainDrops.jpg", "insect", "GPL-2+", '"blackcombwhistler07"'),
    (MATE, BG + "mate/nature/Garden.jpg", "insect", "GPL-2+", "Charles Barbin"),
    (PLASMA, "usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg", "insect", PLASMA_LICENCE, "Martin Klapetek"),
)  # fmt: skip

# Tux Paint stamp (found by name under its top folder), truth, common name. Left out: drawings and 3-D renders (bee, echidna, hedgehog,
# mouse, orca, whale, rhino_black, dromedary, adelaide-rosella, quetzal, tucan, indian_blackbuck, cartoon/*), the semi-transparent greyscale
# fly, the blurred emperor tamarin with green fringes, the white "ostrich" (ostrich or leucistic rhea), the dolphin (no sea background),
# fish, frogs, lizards, shells, slug and woodlouse.
CUTOUTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "birds": (
        ("albino_peahen", "species:Pavo cristatus", "Indian peafowl, white peahen"), ("blackbird", "species:Turdus merula", "common blackbird, male"),
        ("chicken_profile", "species:Gallus gallus", "chicken"), ("crow", "genus:Corvus", "crow"),
        ("crowned_crane", "species:Balearica regulorum", "grey crowned crane"), ("cuckoo", "genus:Cuculus", "cuckoo"),
        ("drake", "species:Anas platyrhynchos", "domestic mallard, drake"), ("duck", "species:Anas platyrhynchos", "mallard, drake"),
        ("gander", "genus:Anser", "domestic goose"), ("guineafowl", "species:Numida meleagris", "helmeted guineafowl, pied domestic"),
        ("helmeted_guineafowl", "species:Numida meleagris", "helmeted guineafowl"), ("hen", "species:Gallus gallus", "hen"),
        ("heron_greatblue", "genus:Ardea", "heron (probably great blue heron)"),
        ("heron_greatblue_flying", "genus:Ardea", "heron in flight (probably great blue heron)"), ("lark", "genus:Eremophila", "horned lark"),
        ("little-penguin", "genus:Eudyptula", "little penguin"), ("magellanic_penguin", "species:Spheniscus magellanicus", "Magellanic penguin"),
        ("magpie", "species:Gymnorhina tibicen", "Australian magpie"), ("nandou", "genus:Rhea", "rhea"),
        ("owl", "species:Bubo scandiacus", "snowy owl"), ("peacock", "species:Pavo cristatus", "Indian peafowl, peacock"),
        ("pelican", "genus:Pelecanus", "white pelican in flight"), ("penguin", "genus:Aptenodytes", "king or emperor penguin"),
        ("pigeon", "species:Columba livia", "rock dove (feral pigeon)"), ("pink_flamingo", "genus:Phoenicopterus", "flamingo"),
        ("rainbow-lorikeet", "genus:Trichoglossus", "rainbow lorikeet"), ("rooster", "species:Gallus gallus", "rooster"),
        ("seagull", "genus:Larus", "large gull in flight"), ("silver-gull", "genus:Chroicocephalus", "silver gull"),
        ("turkey", "species:Meleagris gallopavo", "domestic turkey"), ("vulture", "genus:Gyps", "griffon-type vulture"),
    ),
    "insects": (
        ("grasshopper", "family:Tettigoniidae", "bush-cricket"), ("hornet", "genus:Vespa", "hornet"), ("hoverfly", "family:Syrphidae", "hoverfly"),
        ("mantis", "order:Mantodea", "mantis"), ("xanthia", "family:Noctuidae", "sallow moth"),
    ),
    "mammals": (
        ("chimp", "genus:Pan", "chimpanzee"), ("gorilla", "genus:Gorilla", "gorilla"), ("otter", "subfamily:Lutrinae", "otter"),
        ("sea_lion", "family:Otariidae", "sea lion"), ("badger", "genus:Meles", "badger"), ("bear", "genus:Ursus", "dark bear"),
        ("european-bear", "species:Ursus arctos", "brown bear"), ("bison", "genus:Bison", "bison"), ("bull", "species:Bos taurus", "bull"),
        ("cow", "species:Bos taurus", "cow"), ("cow_white", "species:Bos taurus", "white cow"),
        ("gnu-baby-stand", "genus:Connochaetes", "wildebeest calf"), ("gnu-baby", "genus:Connochaetes", "wildebeest calf"),
        ("gnu-sitting", "genus:Connochaetes", "wildebeest, lying"), ("gnu-stand", "genus:Connochaetes", "blue wildebeest"),
        ("goat", "species:Capra hircus", "domestic goat"), ("mountaingoat", "genus:Rupicapra", "chamois"),
        ("ram", "species:Ovis aries", "merino ram"), ("sheep", "species:Ovis aries", "sheep"), ("sheep_lamb", "species:Ovis aries", "lamb"),
        ("yak", "genus:Bos", "yak"), ("zebu", "genus:Bos", "zebu"), ("camel", "genus:Camelus", "Bactrian camel"),
        ("lion-2", "species:Panthera leo", "lion"), ("lion", "species:Panthera leo", "lion, lying"), ("tiger", "species:Panthera tigris", "tiger"),
        ("tiger_sumatran", "species:Panthera tigris", "Sumatran tiger"), ("caribou", "genus:Rangifer", "reindeer (caribou)"),
        ("deer", "genus:Odocoileus", "white-tailed deer, buck"), ("doe", "family:Cervidae", "spotted deer, young or doe"),
        ("wapiti", "genus:Cervus", "wapiti (elk)"), ("dingo", "genus:Canis", "dingo"), ("dog", "species:Canis familiaris", "husky-type dog"),
        ("fox", "species:Vulpes vulpes", "red fox"), ("elephant", "genus:Loxodonta", "African elephant"),
        ("donkey", "species:Equus asinus", "donkey"), ("donkey_eating", "species:Equus asinus", "donkey, grazing"),
        ("horse", "species:Equus caballus", "horse"), ("zebra", "species:Equus quagga", "plains zebra"), ("ferret", "genus:Mustela", "ferret"),
        ("giraffe", "genus:Giraffa", "giraffe"), ("hippopotamus", "family:Hippopotamidae", "hippopotamus"),
        ("pig", "species:Sus scrofa", "domestic pig"), ("pig_golden", "species:Sus scrofa", "Tamworth pig"),
        ("pig_golden2", "species:Sus scrofa", "Tamworth pig, lying"), ("rabbit_little", "species:Oryctolagus cuniculus", "domestic rabbit"),
        ("beaver", "genus:Castor", "beaver"), ("capybara", "genus:Hydrochoerus", "capybara, lying"), ("marmot", "genus:Marmota", "marmot"),
        ("rabbit-2", "species:Oryctolagus cuniculus", "domestic rabbit"), ("rabbit", "family:Leporidae", "white hare or rabbit"),
        ("rat", "genus:Rattus", "rat"), ("squirrel", "genus:Sciurus", "grey squirrel"), ("wildboar", "species:Sus scrofa", "wild boar with piglet"),
    ),
    "marsupials": (
        ("kangaroo", "family:Macropodidae", "kangaroo (probably red)"), ("koala", "species:Phascolarctos cinereus", "koala"),
        ("wombat", "species:Vombatus ursinus", "common wombat"),
    ),
}  # fmt: skip


COLUMNS = ("path", "group", "truth", "lineage", "common_name", "kind", "licence", "author", "source")
Row = tuple[str, str, str, str, str, str, str, str, str]  # in COLUMNS order


def parse_tree(text: str) -> dict[str, str]:
    """Child taxon -> parent taxon, from TREE."""
    parent: dict[str, str] = {}
    for line in text.strip().splitlines():
        klass, _, orders = line.partition(":")
        for order, families in re.findall(r"(\w+)\[([^]]*)\]", orders):
            parent[f"order:{order}"] = f"class:{klass}"
            for family, members in re.findall(r"(\w+)\(([^)]*)\)", families):
                parent[f"family:{family}"] = f"order:{order}"
                for name in members.split():
                    parent[f"{'subfamily' if name.endswith('inae') else 'genus'}:{name}"] = f"family:{family}"
    return parent


def lineage(truth: str, parent: dict[str, str]) -> str:
    chain = [truth]
    if truth.startswith("species:"):
        chain.append(f"genus:{truth.split(':')[1].split()[0]}")
    while chain[-1] in parent:
        chain.append(parent[chain[-1]])
    if not chain[-1].startswith("class:"):
        raise ValueError(f"TREE does not place {chain[-1]} (from {truth}) under a class")
    return ";".join(chain)


def fetch(debs: Path, root: Path) -> dict[str, Path]:
    """Download (unless already in ``debs``) and extract each pinned package; package name -> extracted root."""
    debs.mkdir(parents=True, exist_ok=True)
    roots = {}
    for name, version in PACKAGES.items():
        found = sorted(debs.glob(f"{name}_{version.replace(':', '%3a')}_*.deb"))
        if not found:
            done = subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=debs, capture_output=True, text=True)
            found = sorted(debs.glob(f"{name}_{version.replace(':', '%3a')}_*.deb"))
            if done.returncode or not found:
                why = (done.stderr.strip().splitlines() or ["no .deb written"])[-1]
                raise SystemExit(f"Could not download the Debian package {name}={version} with apt-get (try `apt-get update`): {why}")
        roots[name] = root / name
        roots[name].mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(found[0]), str(roots[name])], check=True)
    return roots


def source(package: str, path: str) -> str:
    return f"{package}=={PACKAGES[package]}:/{path}"


def imread(path: Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    image = cv2.imread(str(path), flags)
    if image is None:
        raise FileNotFoundError(f"cannot read the image {path}")
    return image


def copy_photo(src: Path, dest: Path) -> str:
    """Copy a photo, downscaling it to MAX_SIDE when larger; returns the written file name."""
    if src.suffix == ".dat":  # SciPy's raccoon: bz2-compressed raw 768×1024 RGB
        rgb = np.frombuffer(bz2.decompress(src.read_bytes()), np.uint8).reshape(768, 1024, 3)
        cv2.imwrite(str(dest.with_name("scipy-raccoon.png")), rgb[..., ::-1])
        return "scipy-raccoon.png"
    image = imread(src)
    scale = MAX_SIDE / max(image.shape[:2])
    if scale >= 1:
        shutil.copyfile(src, dest)
        return dest.name
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    cv2.imwrite(str(dest.with_suffix(".jpg")), cv2.resize(image, size, interpolation=cv2.INTER_AREA), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return dest.with_suffix(".jpg").name


def background_frame(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random 4:3 crop (at least 60 % of the largest, never smaller than the frame when avoidable), maybe mirrored, at FRAME size."""
    h, w = image.shape[:2]
    full = min(w, h * 4 / 3)
    cw = full * rng.uniform(max(0.6, min(1.0, FRAME[0] / full)), 1.0)
    ch = cw * 3 / 4
    x, y = int(rng.uniform(0, w - cw)), int(rng.uniform(0, h - ch))
    crop = cv2.resize(image[y : y + int(ch), x : x + int(cw)], FRAME, interpolation=cv2.INTER_AREA)
    return crop[:, ::-1].copy() if rng.random() < 0.5 else crop


def composite(stamp: np.ndarray, frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paste a BGRA cut-out onto ``frame`` with premultiplied alpha: colour under alpha 0 never contributes."""
    alpha = stamp[..., 3].astype(np.float32) / 255
    ys, xs = np.nonzero(alpha)
    alpha, colour = alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], stamp[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1, :3]
    premultiplied = np.dstack([colour.astype(np.float32) * alpha[..., None], alpha])
    scale = rng.uniform(0.25, 0.45) * FRAME[1] / max(alpha.shape)
    size = (max(1, round(alpha.shape[1] * scale)), max(1, round(alpha.shape[0] * scale)))
    resized = cv2.resize(premultiplied, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    a = np.clip(resized[..., 3:], 0, 1)
    a[a < 1 / 255] = 0
    fg = np.clip(resized[..., :3], 0, 255 * a)
    x = int(rng.integers(0, FRAME[0] - size[0] + 1))
    y = int(rng.integers(max(size[1], round(0.65 * FRAME[1])), FRAME[1] + 1)) - size[1]  # feet in the lower third or so
    out = frame.astype(np.float32)
    region = out[y : y + size[1], x : x + size[0]]
    out[y : y + size[1], x : x + size[0]] = fg + region * (1 - a)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def build(out: Path, debs: Path | None) -> list[Row]:
    parent = parse_tree(TREE)
    shutil.rmtree(out / "photos", ignore_errors=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        roots = fetch(debs or Path(tmp) / "debs", Path(tmp) / "root")
        for package, path, group, truth, common, licence, author in PHOTOS:
            folder = out / "photos" / group
            folder.mkdir(parents=True, exist_ok=True)
            name = copy_photo(roots[package] / path, folder / Path(path).name)
            rows.append((f"photos/{group}/{name}", group, truth, lineage(truth, parent), common, "photo", licence, author, source(package, path)))
        used = dict.fromkeys(GROUPS.values(), 0)
        stamps = roots["tuxpaint-stamps-default"] / TUX
        for top, entries in CUTOUTS.items():
            group = GROUPS[top]
            pool = [b for b in BACKGROUNDS if group in b[2].split()]
            for name, truth, common in entries:
                (stamp_path,) = [p for p in (stamps / top).rglob(f"{name}.png") if "cartoon" not in p.parts]
                bg_package, bg_path, _, bg_licence, bg_author = pool[used[group] % len(pool)]  # backgrounds in turn, per group
                used[group] += 1
                rng = np.random.default_rng(zlib.crc32(name.encode()))
                stamp = imread(stamp_path, cv2.IMREAD_UNCHANGED)
                if stamp.dtype != np.uint8 or stamp.ndim != 3 or stamp.shape[2] != 4:
                    raise ValueError(f"{stamp_path} is not an 8-bit BGRA image")
                frame = background_frame(imread(roots[bg_package] / bg_path), rng)
                rel = f"photos/{group}/tux-{name}.jpg"
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(out / rel), composite(stamp, frame, rng), [cv2.IMWRITE_JPEG_QUALITY, 92])
                stamp_source = source("tuxpaint-stamps-default", str(stamp_path.relative_to(roots["tuxpaint-stamps-default"])))
                rows.append((rel, group, truth, lineage(truth, parent), common, "cutout-composite",
                             f"{TUX_CREDIT[0]} (animal); {bg_licence} (background)", f"{TUX_CREDIT[1]} (animal); {bg_author} (background)",
                             f"{stamp_source} on {source(bg_package, bg_path)}"))  # fmt: skip
    return sorted(rows)


def write_outputs(out: Path, rows: list[Row]) -> None:
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    lines = [
        "# Photo attribution\n\nReal photos from Debian 12 packages (versions pinned in `training/registry_photos.py`). `photo`: the file as",
        f"shipped, downscaled to {MAX_SIDE} px when larger. `cutout-composite`: a Tux Paint stamp (a photo cut-out) pasted onto a wallpaper",
        "photo; both licences apply. Regenerate with `python -m training.registry_photos --out OUT`.\n",
        "| file | kind | licence | author | source |\n|---|---|---|---|---|",
    ]
    lines += [f"| {path} | {kind} | {licence} | {author} | {src} |" for path, _, _, _, _, kind, licence, author, src in rows]
    (out / "ATTRIBUTION.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(".cache/eval-photos"))
    parser.add_argument("--debs", type=Path, default=None, help="folder to keep the downloaded .deb files in (default: a temporary one)")
    args = parser.parse_args()
    rows = build(args.out, args.debs)
    write_outputs(args.out, rows)
    photos = sum(r[5] == "photo" for r in rows)
    print(f"wrote {len(rows)} images to {args.out} ({photos} photos, {len(rows) - photos} cut-out composites)")


if __name__ == "__main__":
    main()
