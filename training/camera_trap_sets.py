"""Build development sets of real camera-trap frames, with truth tables, from public repositories.

    .venv/bin/python -m training.camera_trap_sets --tnc GIT_DIR --nilgai GIT_DIR --hanna GIT_DIR [--out .cache/camera-trap]

Each ``GIT_DIR`` is a clone (or bare mirror) of the repository below; frames are read at the pinned commits with
``git archive``, so two runs write identical sets. Nothing here runs in CI or at run time, and no frame is
committed: two of the three repositories state no licence. The sets are for measuring (``python -m training
evaluate-default --photos OUT/SET``) the open-set rules of the engine on what trail cameras really see.

* ``tnc``: ``jasonkyungkim/tnc-camera-trap`` @ ecbcc3d (branch ``ll``): 1,275 frames, 640×640, of 20 species
  from Panama and the Netherlands (a subset of LILA's "Missouri Camera Traps"), 5 sequences a species; each frame
  has a YOLO box file, and frames whose box file is empty (the animal has left or not arrived) are blanks.
* ``nilgai``: ``mkutu/Nilgai`` (MIT) @ af3f8ab ``images/`` (222 frames of South Texas camera traps, labels in
  ``notebooks/image_labels.csv``, mostly empty) and @ 9308b09 ``sample_images/`` (100 full-size 2048×1152 Reconyx
  frames, 4 of each of 25 labels, labels from ``data/1K_example_data.csv`` @ 18344a1) as ``nilgai-fullsize``.
* ``hanna``: ``hannaboe/camera_trap_workflow`` @ 3be5edf: 300 frames of three small-mammal tunnel cameras in
  northern Norway; labels made by the authors' model, a person's where one checked the frame.

For ``tnc`` it also writes ``frames.csv`` and ``labels.csv``, the set as one camera's season for
``bench/bench_camera.py`` and ``bench/bench_teach.py`` (``write_camera_benchmark``).

Truth is the finest taxon the label makes certain (MDD for mammals, IOC for birds), with its lineage to the class.
People are their own group and have no truth: any animal claimed on them is a false animal, as on a blank.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

COLUMNS = ("path", "group", "truth", "lineage", "label", "source", "sequence")

# label -> (truth, lineage up to the class). Genus or family where the label does not fix the species.
ROD, ART, CAR = "order:Rodentia;class:Mammalia", "order:Artiodactyla;class:Mammalia", "order:Carnivora;class:Mammalia"
CERVIDAE, BOVIDAE, SUIDAE = f"family:Cervidae;{ART}", f"family:Bovidae;{ART}", f"family:Suidae;{ART}"
CANIDAE, FELIDAE, PROCYONIDAE = f"family:Canidae;{CAR}", f"family:Felidae;{CAR}", f"family:Procyonidae;{CAR}"
DIDELPHIS = "genus:Didelphis;family:Didelphidae;order:Didelphimorphia;class:Mammalia"
TAXA: dict[str, tuple[str, str]] = {
    # tnc (Panama and the Netherlands)
    "Agouti": ("genus:Dasyprocta", f"family:Dasyproctidae;{ROD}"),
    "Coiban_Agouti": ("species:Dasyprocta coibae", f"genus:Dasyprocta;family:Dasyproctidae;{ROD}"),
    "Collared_Peccary": ("species:Dicotyles tajacu", f"genus:Dicotyles;family:Tayassuidae;{ART}"),
    "Paca": ("species:Cuniculus paca", f"genus:Cuniculus;family:Cuniculidae;{ROD}"),
    "Red_Brocket_Deer": ("genus:Mazama", CERVIDAE),
    "White-nosed_Coati": ("species:Nasua narica", f"genus:Nasua;{PROCYONIDAE}"),
    "Spiny_Rat": ("genus:Proechimys", f"family:Echimyidae;{ROD}"),
    "Ocelot": ("species:Leopardus pardalis", f"genus:Leopardus;{FELIDAE}"),
    "Red_Squirrel": ("genus:Sciurus", f"family:Sciuridae;{ROD}"),
    "Common_Opossum": ("species:Didelphis marsupialis", DIDELPHIS),
    "Bird_spec": ("class:Aves", ""),
    "Great_Tinamou": ("species:Tinamus major", "genus:Tinamus;family:Tinamidae;order:Tinamiformes;class:Aves"),
    "White_Tailed_Deer": ("species:Odocoileus virginianus", f"genus:Odocoileus;{CERVIDAE}"),
    "Mouflon": ("genus:Ovis", BOVIDAE),
    "Red_Deer": ("species:Cervus elaphus", f"genus:Cervus;{CERVIDAE}"),
    "Roe_Deer": ("species:Capreolus capreolus", f"genus:Capreolus;{CERVIDAE}"),
    "Wild_Boar": ("species:Sus scrofa", f"genus:Sus;{SUIDAE}"),
    "Red_Fox": ("species:Vulpes vulpes", f"genus:Vulpes;{CANIDAE}"),
    "European_Hare": ("species:Lepus europaeus", "genus:Lepus;family:Leporidae;order:Lagomorpha;class:Mammalia"),
    "Wood_Mouse": ("species:Apodemus sylvaticus", f"genus:Apodemus;family:Muridae;{ROD}"),
    # nilgai (South Texas)
    "Nilgai": ("species:Boselaphus tragocamelus", f"genus:Boselaphus;{BOVIDAE}"),
    "Cattle": ("species:Bos taurus", f"genus:Bos;{BOVIDAE}"),
    "Coyote": ("species:Canis latrans", f"genus:Canis;{CANIDAE}"),
    "Dog": ("species:Canis familiaris", f"genus:Canis;{CANIDAE}"),
    "Birds": ("class:Aves", ""),
    "Pig": ("species:Sus scrofa", f"genus:Sus;{SUIDAE}"),
    "Raccoon": ("species:Procyon lotor", f"genus:Procyon;{PROCYONIDAE}"),
    "White-Tailed Deer": ("species:Odocoileus virginianus", f"genus:Odocoileus;{CERVIDAE}"),
    "White-tailed deer": ("species:Odocoileus virginianus", f"genus:Odocoileus;{CERVIDAE}"),
    "Rat": ("order:Rodentia", "class:Mammalia"),
    "Mouse": ("order:Rodentia", "class:Mammalia"),
    "Squirrel": ("family:Sciuridae", ROD),
    "Turkey": ("species:Meleagris gallopavo", "genus:Meleagris;family:Phasianidae;order:Galliformes;class:Aves"),
    "Skunk": ("family:Mephitidae", CAR),
    "Tortoise/Turtle": ("order:Testudines", "class:Reptilia"),
    "Ocelot ": ("species:Leopardus pardalis", f"genus:Leopardus;{FELIDAE}"),
    "Rabbit": ("family:Leporidae", "order:Lagomorpha;class:Mammalia"),
    "Armadillo": ("species:Dasypus novemcinctus", "genus:Dasypus;family:Dasypodidae;order:Cingulata;class:Mammalia"),
    "Bobcat": ("species:Lynx rufus", f"genus:Lynx;{FELIDAE}"),
    "Opossum": ("species:Didelphis virginiana", DIDELPHIS),
    "Spider": ("order:Araneae", "class:Arachnida"),
    "Horse": ("species:Equus caballus", "genus:Equus;family:Equidae;order:Perissodactyla;class:Mammalia"),
    # hanna (Norwegian small-mammal tunnels)
    "cricetidae": ("family:Cricetidae", ROD),
    "lem_lem": ("species:Lemmus lemmus", f"genus:Lemmus;family:Cricetidae;{ROD}"),
    "mus_erm": ("species:Mustela erminea", f"genus:Mustela;family:Mustelidae;{CAR}"),
}
TAXA["Ocelot"] = TAXA["Ocelot "]
BLANK_LABELS = {"None", "empty"}
HUMAN_LABELS = {"Humans"}
UNGRADABLE = {"Unknown", "Exotics, other"}  # the label does not say which animal it is


def archive(git_dir: Path, commit: str, path: str) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every file under ``path`` at ``commit``."""
    done = subprocess.run(["git", f"--git-dir={git_dir}", "archive", commit, path], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                yield member.name, handle.read()


def row_for(path: str, label: str, source: str, sequence: str) -> list[str] | None:
    """``sequence``: frames of one burst or one camera's run share it (a frame alone gets its own path)."""
    if label in UNGRADABLE:
        return None
    if label in BLANK_LABELS:
        return [path, "blank", "", "", label, source, sequence]
    if label in HUMAN_LABELS:
        return [path, "human", "", "", label, source, sequence]
    truth, lineage = TAXA[label]
    return [path, "animal", truth, lineage, label, source, sequence]


def build_tnc(git_dir: Path, out: Path) -> list[list[str]]:
    files = dict(archive(git_dir, "ecbcc3d", "images/processed"))
    rows = []
    for name, data in sorted(files.items()):
        if not name.lower().endswith(".jpg"):
            continue
        parts = PurePosixPath(name).parts  # images/processed/1.02-Agouti/SEQ75520/SEQ75520_IMG_0001.JPG
        label = parts[2].split("-", 1)[1]
        boxes = files.get(name[:-4] + ".txt", b"")
        rel = f"photos/{parts[2]}/{parts[4]}"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        row = row_for(rel, label if boxes.strip() else "empty", f"tnc-camera-trap@ecbcc3d:{name}", parts[3])
        assert row is not None
        rows.append(row)
    return rows


def build_nilgai(git_dir: Path, out: Path) -> list[list[str]]:
    labels = dict(archive(git_dir, "af3f8ab", "notebooks/image_labels.csv"))["notebooks/image_labels.csv"].decode()
    by_name = {r["IMGNAME"]: r["MULTI_LABEL"] for r in csv.DictReader(io.StringIO(labels))}
    rows = []
    for name, data in sorted(archive(git_dir, "af3f8ab", "images")):
        file = PurePosixPath(name).name
        if file not in by_name:
            continue
        rel = f"photos/{file}"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        row = row_for(rel, by_name[file], f"Nilgai@af3f8ab:{name} (MIT)", rel)
        if row:
            rows.append(row)
    return rows


def build_nilgai_fullsize(git_dir: Path, out: Path) -> list[list[str]]:
    table = dict(archive(git_dir, "18344a1", "data/1K_example_data.csv"))["data/1K_example_data.csv"].decode()
    # The file's header is one column short: the label is the last field of each row.
    by_name = {PurePosixPath(r[2].replace("\\", "/")).name: r[-1] for r in list(csv.reader(io.StringIO(table)))[1:]}
    rows = []
    for name, data in sorted(archive(git_dir, "9308b09", "sample_images")):
        file = PurePosixPath(name).name
        rel = f"photos/{file}"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        row = row_for(rel, by_name[file], f"Nilgai@9308b09:{name} (MIT)", rel)
        if row:
            rows.append(row)
    return rows


def build_hanna(git_dir: Path, out: Path) -> list[list[str]]:
    table = dict(archive(git_dir, "3be5edf", "data/formatted_data"))
    text = table["data/formatted_data/image_classification_vestre_jakobselv_2020.txt"].decode()
    present: dict[str, str] = {}
    for r in csv.DictReader(io.StringIO(text), delimiter=" "):
        checked = r["type_manual_classification"] != "NA"
        if (r["presence_manual"] if checked else r["presence_automatic"]) == "1":
            present[r["image_name"]] = r["class_id"]
    rows = []
    for name, data in sorted(archive(git_dir, "3be5edf", "data/images_renamed")):
        file = PurePosixPath(name).name
        if file not in present:
            continue
        rel = f"photos/{PurePosixPath(name).parts[-3]}/{file}"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        # One tunnel camera's frames of one day (vj_ga_hu_1_2019-07-08_0001.JPG) form a sequence.
        row = row_for(rel, present[file], f"camera_trap_workflow@3be5edf:{name}", file.rsplit("_", 1)[0])
        if row:
            rows.append(row)
    return rows


def write_camera_benchmark(out: Path, rows: list[list[str]]) -> None:
    """``frames.csv`` and ``labels.csv`` for ``bench/bench_camera.py``: the tnc set as one camera's season.

    Each class's sequences in order, interleaved by their position within the class, so that the last 30 % of the
    rows (what the benchmark judges) are each class's latest sequences; frames of a sequence without an animal are
    ``empty``. The Coiban agouti (23 frames) joins the agouti class (genus *Dasyprocta*): 6 earlier frames are too
    few for a class of its own."""
    by_class: dict[str, list[list[str]]] = {}
    for row in rows:
        by_class.setdefault(row[0].split("/")[1].split("-", 1)[1], []).append(row)
    ordered = []
    for name, members in by_class.items():
        sequences = sorted({r[6] for r in members}, key=lambda q: int(q[3:]))
        for r in members:
            label = ("Agouti" if name == "Coiban_Agouti" else name) if r[1] == "animal" else "empty"
            ordered.append(((sequences.index(r[6]) + 0.5) / len(sequences), int(r[6][3:]), r[0], label))
    with (out / "frames.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("path", "label"))
        writer.writerows((path, label) for _, _, path, label in sorted(ordered))
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("folder", "common_name", "scientific_name", "rank", "lineage", "organism"))
        for name in sorted(n for n in by_class if n != "Coiban_Agouti"):
            rank, scientific = TAXA[name][0].split(":", 1)
            writer.writerow((name, name.replace("_", " ").lower(), scientific, rank, TAXA[name][1], "yes"))
        writer.writerow(("empty", "empty frame", "", "", "", "no"))


def write(out: Path, rows: list[list[str]]) -> None:
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tnc", type=Path, help="git dir of jasonkyungkim/tnc-camera-trap")
    parser.add_argument("--nilgai", type=Path, help="git dir of mkutu/Nilgai")
    parser.add_argument("--hanna", type=Path, help="git dir of hannaboe/camera_trap_workflow")
    parser.add_argument("--out", type=Path, default=Path(".cache/camera-trap"))
    args = parser.parse_args(argv)
    builders = [("tnc", args.tnc, build_tnc), ("nilgai", args.nilgai, build_nilgai),
                ("nilgai-fullsize", args.nilgai, build_nilgai_fullsize), ("hanna", args.hanna, build_hanna)]  # fmt: skip
    for name, git_dir, build in builders:
        if git_dir is None:
            continue
        out = args.out / name
        out.mkdir(parents=True, exist_ok=True)
        rows = build(git_dir, out)
        write(out, rows)
        if name == "tnc":
            write_camera_benchmark(out, rows)
        groups = {g: sum(r[1] == g for r in rows) for g in ("animal", "blank", "human")}
        print(f"{out}: {len(rows)} frames ({', '.join(f'{n} {g}' for g, n in groups.items())})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
