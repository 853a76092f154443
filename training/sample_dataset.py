"""A small labelled dataset made from the project's real photos, for the training tests and benchmark.

    python -m training.sample_dataset --out /tmp/sample --per-class 60

No registry package ships a labelled species image set, so this groups the real
public-domain photos in tests/data/photos into coarse classes (birds,
carnivores, ungulates, fish, …) and writes varied crops of them (random resized
crops, flips, exposure changes, small rotations). Splits are made **by source
photo** (``train/ val/ test/`` folders), so the test images show animals the
model has never seen, not other crops of its training photos.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import cv2
import numpy as np

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "data" / "photos"
A = "animals/"
GROUPS: dict[str, list[str]] = {
    "bird": [A + "explore_farm_animals-chicken.webp", A + "explore_farm_animals-duck.webp", A + "explore_farm_animals-owl.webp",
             A + "explore_world_animals-scarlet_macaw.webp", A + "erase-kingfisher.webp"],
    "carnivore": [A + "explore_farm_animals-cat.webp", A + "explore_farm_animals-dog.webp", A + "explore_world_animals-jaguar.webp",
                  A + "explore_world_animals-polar_bear.webp", A + "erase-red_panda.webp", A + "explore_world_animals-panda.webp"],
    "ungulate": [A + "explore_farm_animals-cow.webp", A + "explore_farm_animals-sheep.webp", A + "explore_farm_animals-pig.webp",
                 A + "explore_farm_animals-horse.webp", A + "explore_world_animals-bison.webp", A + "explore_world_animals-giraffe.webp",
                 A + "erase-giraffe.webp", A + "explore_world_animals-moose.webp"],
    "reptile": [A + "explore_world_animals-chameleon.webp", A + "explore_world_animals-crocodile.webp", A + "explore_world_animals-dragon.webp"],
    "other_mammal": [A + "explore_world_animals-koala.webp", A + "explore_world_animals-kangaroo.webp", A + "explore_world_animals-lemur.webp",
                     A + "explore_world_animals-hedgehog.webp", A + "erase-pika.webp"],
    "fish": [f"fish/fish{i}.webp" for i in range(1, 29)],
    "landscape": ["blank/" + n for n in ("egypt-bentPyramid.webp", "france-montStMichel.webp", "france-pontduGard.webp",
                                          "france-rocamadour.webp", "usa-canyondeChelly.webp", "usa-mountRushmore.webp", "usa-navajo.webp",
                                          "wonders-greatWallofChina.webp", "wonders-machuPicchu.webp", "wonders-petra.webp")],
    "object": ["blank/" + n for n in ("bucket.webp", "chair.webp", "spoons.webp", "volleyball.webp")],
}  # fmt: skip
LINEAGE = {  # common name, scientific name, rank, lineage above, organism
    "bird": ("bird", "Aves", "class", "phylum:Chordata;kingdom:Animalia", "yes"),
    "carnivore": ("carnivore", "Carnivora", "order", "class:Mammalia;phylum:Chordata;kingdom:Animalia", "yes"),
    "ungulate": ("hoofed mammal", "", "unranked", "class:Mammalia;phylum:Chordata;kingdom:Animalia", "yes"),
    "reptile": ("reptile", "Reptilia", "class", "phylum:Chordata;kingdom:Animalia", "yes"),
    "other_mammal": ("other mammal", "", "unranked", "class:Mammalia;phylum:Chordata;kingdom:Animalia", "yes"),
    "fish": ("ray-finned fish", "Actinopterygii", "class", "phylum:Chordata;kingdom:Animalia", "yes"),
    "landscape": ("empty landscape", "", "", "", "no"),
    "object": ("object", "", "", "", "no"),
}


def variant(image: np.ndarray, rng: random.Random, size: int = 320) -> np.ndarray:
    h, w = image.shape[:2]
    scale = rng.uniform(0.55, 1.0)
    ch, cw = int(h * scale), int(w * scale * rng.uniform(0.85, 1.15))
    cw = min(cw, w)
    y0, x0 = rng.randint(0, h - ch), rng.randint(0, w - cw)
    crop = image[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    angle = rng.uniform(-8, 8)
    matrix = cv2.getRotationMatrix2D((crop.shape[1] / 2, crop.shape[0] / 2), angle, 1.0)
    crop = cv2.warpAffine(np.ascontiguousarray(crop), matrix, (crop.shape[1], crop.shape[0]), borderMode=cv2.BORDER_REFLECT)
    crop = cv2.convertScaleAbs(crop, alpha=rng.uniform(0.8, 1.2), beta=rng.uniform(-20, 20))
    factor = size / max(crop.shape[:2])
    return cv2.resize(crop, (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor))), interpolation=cv2.INTER_AREA)


def make(out: Path, per_class: int = 60, seed: int = 0, classes: list[str] | None = None, size: int = 320,
         labels_csv: bool = True) -> Path:  # fmt: skip
    """Write ``out/{train,val,test}/CLASS/*.jpg`` (and ``out/labels.csv``); returns ``out``."""
    rng = random.Random(seed)
    for name in classes or list(GROUPS):
        photos = sorted(GROUPS[name])
        rng.shuffle(photos)
        n = len(photos)
        val, test = max(1, round(n * 0.2)), max(1, round(n * 0.2))
        split_of = {p: ("val" if i < val else "test" if i < val + test else "train") for i, p in enumerate(photos)}
        weights = {"train": 0.7, "val": 0.15, "test": 0.15}
        for split in ("train", "val", "test"):
            members = [p for p in photos if split_of[p] == split]
            count = max(2, round(per_class * weights[split]))
            folder = out / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for k in range(count):
                source = members[k % len(members)]
                image = cv2.imread(str(PHOTOS / source))
                cv2.imwrite(str(folder / f"{Path(source).stem}_{k:03d}.jpg"), variant(image, rng, size), [cv2.IMWRITE_JPEG_QUALITY, 90])
    if labels_csv:
        with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["folder", "common_name", "scientific_name", "rank", "lineage", "organism"])
            for name in classes or list(GROUPS):
                writer.writerow([name, *LINEAGE[name]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-class", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    make(args.out, args.per_class, args.seed)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
