"""Extract the real public-domain / CC0 photos the project tests on from Debian's gcompris-qt-data.

GCompris ships real Wikimedia Commons photos inside Qt resource files (.rcc),
each folder with a README giving author, licence and source. This script
downloads the Debian package, opens the resources with Qt, keeps only files
whose licence is Public Domain or CC0, and writes them with an ATTRIBUTION.md.

    python -m training.gcompris_photos --out tests/data/photos

It is how ``tests/data/photos`` was made; it is not needed at run time.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "gcompris-qt-data"
FREE = re.compile(r"public domain|cc0", re.IGNORECASE)

# (resource file, folder inside it, files to take or None for all, destination subfolder)
SELECTION: tuple[tuple[str, str, tuple[str, ...] | None, str], ...] = (
    ("explore_world_animals", "explore_world_animals/resource/animals", None, "animals"),
    ("explore_farm_animals", "explore_farm_animals/resource/animals", None, "animals"),
    ("erase", "erase/resource", None, "animals"),
    ("categorization", "categorization/resource/images/fishes", None, "fish"),
    ("categorization", "categorization/resource/images/others", ("chair.webp", "bucket.webp", "volleyball.webp", "spoons.webp"), "blank"),
    ("explore_monuments", "explore_monuments/resource",
     ("usa/canyondeChelly.webp", "usa/navajo.webp", "usa/mountRushmore.webp", "wonders/machuPicchu.webp",
      "wonders/greatWallofChina.webp", "wonders/petra.webp", "france/pontduGard.webp", "france/montStMichel.webp",
      "france/rocamadour.webp", "egypt/bentPyramid.webp"), "blank"),
)


@dataclass(frozen=True)
class Credit:
    file: str
    author: str
    licence: str
    source: str


def parse_readme(text: str) -> dict[str, Credit]:
    credits: dict[str, Credit] = {}
    for block in re.split(r"\n\s*\n", text):
        licence = re.search(r"License:\s*(.*)", block)
        author = re.search(r"Copyright:\s*(.*)", block)
        source = re.search(r"Source:\s*(.*)", block)
        for name in re.findall(r"(\S+\.webp)", block):
            if licence:
                credits[name] = Credit(name, author.group(1).strip() if author else "unknown",
                                       licence.group(1).strip(), source.group(1).strip() if source else "")  # fmt: skip
    return credits


def extract(out: Path) -> list[tuple[str, Credit]]:
    from PySide6.QtCore import QFile, QIODevice, QResource

    def read(path: str) -> bytes:
        handle = QFile(path)
        if not handle.open(QIODevice.OpenModeFlag.ReadOnly):
            raise FileNotFoundError(path)
        return bytes(handle.readAll().data())

    written: list[tuple[str, Credit]] = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", PACKAGE], cwd=tmp, check=True, capture_output=True)
        deb = next(Path(tmp).glob(f"{PACKAGE}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        rcc_dir = Path(tmp) / "usr/share/gcompris-qt/rcc"
        for rcc, folder, files, dest in SELECTION:
            root = f"/{rcc}"
            QResource.registerResource(str(rcc_dir / f"{rcc}.rcc"), root)
            base = f":{root}/gcompris/src/activities/{folder}"
            credits = parse_readme(read(f"{base}/README").decode("utf-8"))
            for name, credit in sorted(credits.items()):
                if (files is not None and name not in files) or not FREE.search(credit.licence):
                    continue
                flat = name.replace("/", "-")
                target = out / dest / (f"{rcc}-{flat}" if dest == "animals" else flat)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(read(f"{base}/{name}"))
                written.append((str(target.relative_to(out)), credit))
    return written


def write_attribution(out: Path, written: list[tuple[str, Credit]]) -> None:
    lines = [
        "# Photo attribution",
        "",
        f"Real photos from Wikimedia Commons, as shipped (resized to WebP) in Debian's `{PACKAGE}` package",
        "(GCompris). Only files whose licence is Public Domain or CC0 were kept. Regenerate with",
        "`python -m training.gcompris_photos --out tests/data/photos`.",
        "",
        "| file | author | licence | source |",
        "|---|---|---|---|",
    ]
    lines += [f"| {path} | {c.author} | {c.licence} | {c.source} |" for path, c in sorted(written)]
    (out / "ATTRIBUTION.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("tests/data/photos"))
    args = parser.parse_args()
    written = extract(args.out)
    write_attribution(args.out, written)
    print(f"wrote {len(written)} photos to {args.out}")


if __name__ == "__main__":
    main()
