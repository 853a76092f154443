"""A proxy "single trail camera" dataset: real cut-out photos walking through one fixed real scene, in bursts.

No registry reachable here ships real camera-trap frames, so this composes real photographs from the
Debian packages pinned in ``training.registry_photos`` (and reuses its download, taxonomy and licence
tables): Tux Paint's photographic cut-outs (animals, a walking firefighter, cars) are pasted with
premultiplied alpha into ONE fixed crop of a real meadow / forest-edge wallpaper, as seen by a camera
0.6 m above the ground (ground-plane perspective: far subjects are small and stand near the forest edge,
near ones are large and may be cut by the frame). 45 days of triggers, each a burst of 3-6 frames 1-2 s
apart with the subject moving smoothly; ~25 % are false triggers (empty). Day frames are colour with sun,
cloud and dawn/dusk changes; night frames (20:00-06:00) are greyscale "infrared" flash frames (luminance,
raised gamma, flash falloff, vignetting, blur, sensor noise). Species with two or more cut-outs use other
individuals in the last 40 % of the timeline, so a time-based test split sees animals not in training.

    .venv/bin/python -m training.sample_camera --out .cache/camera [--frames 1100] [--seed 0] [--debs .cache/debs]

Writes OUT/frames/<class>/IMG_<seq>.JPG (256x256, EXIF DateTimeOriginal = mtime), OUT/labels.csv,
OUT/frames.csv (path,label in time order), OUT/ATTRIBUTION.md and OUT/README.md. Same seed, same bytes.
For tests and benchmarks only: composites are not real camera-trap footage.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from training import registry_photos as rp

SIZE = 256
START, DAYS = datetime(2022, 10, 3), 45
SPLIT_AT = START + timedelta(days=0.6 * DAYS)  # other individuals from here on
SCENE = (rp.LOMIRI, rp.BG + "aitzgorri_by_Aitzol_Berasategi.jpg", (100, 560, 1440))  # package, path, square crop x, y, side
FOCAL, HORIZON, EYE = 1.2, 0.5, 0.75  # frame heights per metre at 1 m; feet row = HORIZON + EYE / distance (camera 0.625 m up)
STAMPS = "usr/share/tuxpaint/stamps/"
M = "animals/mammals/"

Cutout = tuple[str, float, str]  # stamp path under STAMPS (no .png), height of its box in metres, facing: L, R or F(ront)


class Kind(NamedTuple):
    common: str
    truth: str  # rank:Name for rp.lineage; "" for classes that are not organisms
    activity: str
    metres: tuple[float, float]  # nearest and farthest distance
    speed: float  # fastest lateral speed, m/s
    weight: float  # share of triggers
    early: tuple[Cutout, ...]
    late: tuple[Cutout, ...]


KINDS: dict[str, Kind] = {
    "deer": Kind("deer", "family:Cervidae", "crepuscular", (3.0, 14), 1.2, 0.14,
                 ((M + "deer/deer", 1.8, "F"), (M + "deer/wapiti", 2.2, "R")), ((M + "deer/doe", 1.35, "R"),)),
    "wild_boar": Kind("wild boar", "species:Sus scrofa", "nocturnal", (2.5, 12), 1.0, 0.11,
                      ((M + "wildboar", 0.9, "R"),), ((M + "pig_golden", 0.85, "L"),)),
    "red_fox": Kind("red fox", "species:Vulpes vulpes", "nocturnal", (1.5, 7), 1.3, 0.11, ((M + "dogs/fox", 0.7, "L"),), ()),
    "rabbit": Kind("rabbit or hare", "family:Leporidae", "crepuscular", (1.2, 5), 1.0, 0.10,
                   ((M + "rodents/rabbit-2", 0.35, "F"), (M + "rabbit_little", 0.28, "R")), ((M + "rodents/rabbit", 0.3, "R"),)),
    "badger": Kind("European badger", "species:Meles meles", "nocturnal", (1.5, 7), 0.8, 0.08, ((M + "badger", 0.3, "L"),), ()),
    "bear": Kind("bear", "genus:Ursus", "any", (3.0, 14), 1.0, 0.07,
                 ((M + "bears/bear", 1.0, "R"),), ((M + "bears/european-bear", 1.1, "R"),)),
    "human": Kind("human", "", "diurnal", (3.0, 14), 1.4, 0.07, (("people/fireman200b", 1.8, "L"),), (("people/fireman240a", 1.8, "L"),)),
    "vehicle": Kind("vehicle", "", "diurnal", (6.0, 16), 3.0, 0.07,
                    (("vehicles/auto/truck", 1.8, "R"), ("vehicles/auto/beetle", 1.5, "R")),
                    (("vehicles/auto/sedan", 1.4, "R"), ("vehicles/construction/dumper", 2.0, "R"))),
}  # fmt: skip
EMPTY_WEIGHT = 0.25
HOURS = np.arange(24)
NIGHT = (HOURS >= 20) | (HOURS < 6)
ACTIVITY = {  # relative trigger rate per hour of the day
    "nocturnal": np.where(NIGHT, 1.0, 0.04),
    "crepuscular": np.where(np.isin(HOURS, [5, 6, 7, 8, 18, 19, 20, 21]), 1.0, np.where(NIGHT, 0.4, 0.15)),
    "diurnal": np.where((HOURS >= 8) & (HOURS < 18), 1.0, np.where(NIGHT, 0.01, 0.3)),
    "any": np.where(NIGHT, 0.6, 1.0),
}
YY, XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / (SIZE - 1)
FLASH = (0.15 + 0.85 * np.clip((YY - 0.3) / 0.7, 0, 1) ** 0.7) * (1 - 0.5 * ((XX - 0.5) ** 2 + (YY - 0.5) ** 2) / 0.5)  # falloff x vignette


class Trigger(NamedTuple):
    when: datetime
    label: str
    frames: int


def ground(x: float) -> float:
    """Row (frame heights) of the meadow's far edge at column x: nothing stands above it."""
    return 0.47 + 0.08 * min(max(x, 0.0), 1.0)


def is_night(when: datetime) -> bool:
    return bool(NIGHT[when.hour])


def prepare(stamp: np.ndarray) -> np.ndarray:
    """BGRA uint8 cut-out -> premultiplied float32 BGRA, cropped to its opaque box."""
    if stamp.dtype != np.uint8 or stamp.ndim != 3 or stamp.shape[2] != 4:
        raise ValueError("cut-outs must be 8-bit BGRA")
    alpha = stamp[..., 3].astype(np.float32) / 255
    ys, xs = np.nonzero(alpha)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    return np.dstack([stamp[box][..., :3].astype(np.float32) * alpha[box][..., None], alpha[box]])


def paste(canvas: np.ndarray, cut: np.ndarray, height: float, cx: float, feet: float, mirror: bool, shadow: float) -> np.ndarray:
    """Blend the premultiplied ``cut`` into ``canvas`` (float BGR) in place, ``height`` px tall, its bottom centre at (cx, feet);
    returns its alpha over the frame."""
    h, w = max(1, round(height)), max(1, round(height * cut.shape[1] / cut.shape[0]))
    img = cv2.resize(cut, (w, h), interpolation=cv2.INTER_AREA if h < cut.shape[0] else cv2.INTER_CUBIC)
    img = img[:, ::-1] if mirror else img
    a = np.clip(img[..., 3:], 0, 1)
    a[a < 1 / 255] = 0
    fg = np.clip(img[..., :3], 0, 255 * a)
    if shadow:  # soft contact shadow, so the subject stands on the grass
        mask = np.zeros(canvas.shape[:2], np.float32)
        cv2.ellipse(mask, (round(cx), round(feet - 1)), (max(2, round(0.42 * w)), max(1, round(0.05 * w))), 0, 0, 360, 1.0, -1)
        canvas *= 1 - shadow * cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.04 * w))[..., None]
    x0, y0 = round(cx - w / 2), round(feet - h)
    X0, Y0, X1, Y1 = max(x0, 0), max(y0, 0), min(x0 + w, SIZE), min(y0 + h, SIZE)
    cover = np.zeros((SIZE, SIZE), np.float32)
    if X1 > X0 and Y1 > Y0:
        cover[Y0:Y1, X0:X1] = a[Y0 - y0 : Y1 - y0, X0 - x0 : X1 - x0, 0]
        canvas[Y0:Y1, X0:X1] = fg[Y0 - y0 : Y1 - y0, X0 - x0 : X1 - x0] + canvas[Y0:Y1, X0:X1] * (1 - cover[Y0:Y1, X0:X1, None])
    return cover


def expose(img: np.ndarray, when: datetime, cloud: float, rng: np.random.Generator, cover: np.ndarray | None = None, lit: float = 1.0) -> np.ndarray:
    """Camera response: colour by day (sun height, cloud, dawn warmth), infrared flash greyscale by night (the subject,
    ``cover``, lit as the ground at its feet, ``lit``); uint8 RGB."""
    flicker = rng.normal(1.0, 0.025)
    if is_night(when):
        grey = img @ np.array([0.1, 0.45, 0.45], np.float32) / 255  # BGR; fur and foliage reflect near infrared well, red light most
        flash = FLASH if cover is None else FLASH * (1 - cover) + lit * cover
        grey = (grey * flash * flicker) ** (1 / 1.4)  # the flash lights what is near; raised gamma
        grey = grey * (0.92 / np.percentile(grey, 99.5))  # auto exposure
        grey = cv2.GaussianBlur(grey, (0, 0), 0.7) + rng.normal(0, 0.022, grey.shape).astype(np.float32)
        return np.repeat(np.clip(np.rint(grey * 255), 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    sun = max(0.0, math.sin(math.pi * (when.hour + when.minute / 60 - 6) / 14))
    warm = 0.18 * (1 - sun) ** 2
    out = img * ((0.4 + 0.7 * math.sqrt(sun)) * cloud * flicker) * np.array([1 - warm, 1, 1 + warm], np.float32)
    mean = out.mean()
    out = mean + (out - mean) * (0.75 + 0.25 * min(cloud, 1.0))  # flatter light under cloud
    out += rng.normal(0, 1.5 + 4 * (1 - sun), out.shape)
    return np.ascontiguousarray(np.clip(np.rint(out), 0, 255).astype(np.uint8)[..., ::-1])


def schedule(frames: int, rng: np.random.Generator) -> list[Trigger]:
    """Triggers in time order: counts by class weight, hours by each class's activity, at least a minute apart."""
    n = frames / 4.5  # mean burst length
    weights = {"empty": (EMPTY_WEIGHT, "any"), **{k: (v.weight, v.activity) for k, v in KINDS.items()}}
    triggers = []
    for label, (weight, activity) in weights.items():
        p = ACTIVITY[activity] / ACTIVITY[activity].sum()
        for _ in range(max(3, round(weight * n))):
            offset = timedelta(days=int(rng.integers(DAYS)), hours=int(rng.choice(24, p=p)), seconds=int(rng.integers(3600)))
            triggers.append(Trigger(START + offset, label, int(rng.integers(3, 7))))
    triggers.sort()
    for i in range(1, len(triggers)):
        if triggers[i].when < triggers[i - 1].when + timedelta(seconds=60):
            triggers[i] = triggers[i]._replace(when=triggers[i - 1].when + timedelta(seconds=60))
    return triggers


def track(kind: Kind, cut: np.ndarray, metres: float, times: list[float], rng: np.random.Generator) -> list[tuple[float, float, float]]:
    """(height, centre x, feet y) per frame in frame units: smooth walk across the view, slight approach or retreat."""
    long_side = metres * max(1.0, cut.shape[1] / cut.shape[0])
    near, far = kind.metres[0], min(kind.metres[1], long_side * FOCAL / 0.14)  # never under ~36 px on its long side
    d = np.clip(math.exp(rng.uniform(math.log(near), math.log(far))) * (1 + rng.uniform(-0.03, 0.03) * np.array(times)), 0.85 * near, far)
    direction = rng.choice([-1.0, 1.0])
    step = direction * rng.uniform(0.15, 1.0) * kind.speed * FOCAL * np.diff(times, prepend=times[0]) / d
    heights, x = metres * FOCAL / d, np.cumsum(step)
    while np.ptp(x) > 1:  # keep the subject's centre, so at least half of it, in view in every frame
        x *= 0.5
    lo, hi = np.max(-x), np.min(1 - x)
    x = x + rng.uniform(lo, hi)
    feet = HORIZON + EYE / d + rng.uniform(-0.01, 0.01)
    return [(h, cx, max(f, ground(cx) + 0.012)) for h, cx, f in zip(heights, x, feet, strict=True)]


Frame = tuple[datetime, np.ndarray]


def render(trigger: Trigger, background: np.ndarray, cuts: dict[str, np.ndarray], rng: np.random.Generator,
           mixed: bool = False) -> tuple[list[Frame], str]:  # fmt: skip
    """The burst's frames as (time, RGB image), and the cut-out used ("" for empty). ``mixed``: every individual
    of a class may appear at any time (the same animals keep visiting), instead of other ones later."""
    times = np.cumsum([0] + [int(rng.integers(1, 3)) for _ in range(trigger.frames - 1)]).tolist()
    cloud = rng.uniform(0.6, 1.1)
    path, places, mirror = "", [], False
    if trigger.label != "empty":
        kind = KINDS[trigger.label]
        pool = kind.early + kind.late if mixed else kind.late if trigger.when >= SPLIT_AT and kind.late else kind.early
        path, metres, faces = pool[int(rng.integers(len(pool)))]
        places = track(kind, cuts[path], metres * rng.uniform(0.9, 1.1), times, rng)
        moving_right = places[-1][1] >= places[0][1]
        mirror = bool(rng.random() < 0.5) if faces == "F" else (faces == "R") != moving_right
    out = []
    for i, t in enumerate(times):
        when = trigger.when + timedelta(seconds=t)
        canvas, cover, lit = background.astype(np.float32), None, 1.0
        if path:
            height, cx, feet = places[i]
            cover = paste(canvas, cuts[path], height * SIZE, cx * SIZE, feet * SIZE, mirror, 0.15 if is_night(when) else 0.35 * min(cloud, 1))
            lit = float(FLASH[min(round(feet * SIZE), SIZE - 1), min(max(round(cx * SIZE), 0), SIZE - 1)])
        if trigger.label == "empty" and rng.random() < 0.5:
            cloud *= rng.uniform(0.85, 1.15)  # a cloud or a gust: what fired the camera
        out.append((when, expose(canvas, when, cloud, rng, cover, lit)))
    return out, path


def save(path: Path, rgb: np.ndarray, when: datetime, quality: int) -> None:
    exif = Image.Exif()
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F], exif[0x0110], exif[0x0132] = "livespecies", "proxy trail camera (composite)", stamp
    exif.get_ifd(0x8769)[0x9003] = stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, "JPEG", quality=quality, exif=exif.tobytes())
    os.utime(path, (when.timestamp(), when.timestamp()))  # local time, as training.data.events reads EXIF


Used = dict[str, dict[str, list[Trigger]]]  # class -> cut-out ('-' for none) -> its triggers


def build(out: Path, frames: int, seed: int, debs: Path | None, mixed: bool = False) -> tuple[list[tuple[str, str, datetime]], Used]:
    rng = np.random.default_rng(seed)
    shutil.rmtree(out / "frames", ignore_errors=True)
    rows: list[tuple[str, str, datetime]] = []
    used: Used = {}
    with tempfile.TemporaryDirectory() as tmp:
        roots = rp.fetch(debs or Path(tmp) / "debs", Path(tmp) / "root")
        x, y, side = SCENE[2]
        scene = rp.imread(roots[SCENE[0]] / SCENE[1])[y : y + side, x : x + side]
        background = cv2.resize(scene, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        stamps = roots["tuxpaint-stamps-default"] / STAMPS
        cuts = {c[0]: prepare(rp.imread(stamps / f"{c[0]}.png", cv2.IMREAD_UNCHANGED)) for k in KINDS.values() for c in k.early + k.late}
    for trigger in schedule(frames, rng):
        burst, path = render(trigger, background, cuts, rng, mixed)
        used.setdefault(trigger.label, {}).setdefault(path or "-", []).append(trigger)
        for when, rgb in burst:
            rel = f"frames/{trigger.label}/IMG_{len(rows) + 1:05d}.JPG"
            save(out / rel, rgb, when, int(rng.integers(88, 93)))
            rows.append((rel, trigger.label, when))
    return rows, used


def write_outputs(out: Path, rows: list[tuple[str, str, datetime]], used: Used, argv: str) -> None:
    parent = rp.parse_tree(rp.TREE)
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("folder", "common_name", "scientific_name", "rank", "lineage", "organism"))
        writer.writerow(("empty", "empty frame", "", "", "", "no"))
        for label, kind in KINDS.items():  # lineage: the ranks above the label, finest first
            rank, _, name = kind.truth.partition(":")
            above = ";".join([*rp.lineage(kind.truth, parent).split(";")[1:], "kingdom:Animalia"]) if kind.truth else ""
            writer.writerow((label, kind.common, name, rank, above, "yes" if kind.truth else "no"))
    with (out / "frames.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("path", "label"))
        writer.writerows((rel, label) for rel, label, _ in rows)
    bg = next(b for b in rp.BACKGROUNDS if b[1] == SCENE[1])
    lines = ["# Attribution\n", "Every frame composes a real background photo with real cut-out photos; both licences apply.\n",
             "| role | licence | author | source |", "|---|---|---|---|",
             f"| background (every frame) | {bg[3]} | {bg[4]} | {rp.source(SCENE[0], SCENE[1])}, crop x,y,side={SCENE[2]} |"]  # fmt: skip
    lines += [f"| {label} cut-out | {rp.TUX_CREDIT[0]} | {rp.TUX_CREDIT[1]} | {rp.source('tuxpaint-stamps-default', STAMPS + path + '.png')} |"
              for label in KINDS for path in used.get(label, {}) if path != "-"]  # fmt: skip
    (out / "ATTRIBUTION.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    night = sum(is_night(r[2]) for r in rows)
    readme = [
        "# Proxy trail-camera dataset (composite, not real camera-trap footage)\n", (__doc__ or "").split("\n\n")[1] + "\n",
        f"Made with `python -m training.sample_camera {argv}`. {len(rows)} frames from {rows[0][2]} to {rows[-1][2]}; "
        f"{night} ({night / len(rows):.0%}) at night (20:00-06:00, infrared greyscale). Individuals change at {SPLIT_AT}.\n",
        "| class | cut-out (Tux Paint stamp) | triggers | frames | first | last |", "|---|---|---|---|---|---|",
    ]  # fmt: skip
    readme += [f"| {label} | {path} | {len(ts)} | {sum(t.frames for t in ts)} | {ts[0].when:%Y-%m-%d} | {ts[-1].when:%Y-%m-%d} |"
               for label in ["empty", *KINDS] for path, ts in used.get(label, {}).items()]  # fmt: skip
    readme.append("\nFrames of one trigger are 1-2 s apart (EXIF DateTimeOriginal and mtime); `frames.csv` lists them in time order.")
    (out / "README.md").write_text("\n".join(readme) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(".cache/camera"))
    parser.add_argument("--frames", type=int, default=1100, help="about this many frames in all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--debs", type=Path, default=None, help="folder to keep the downloaded .deb files in (default: a temporary one)")
    parser.add_argument("--individuals", choices=("split", "mixed"), default="split",
                        help="split: other individuals of a species in the last 40 %% of the time (the harder test); "
                        "mixed: every individual may visit at any time")
    args = parser.parse_args()
    rows, used = build(args.out, args.frames, args.seed, args.debs, args.individuals == "mixed")
    write_outputs(args.out, rows, used, f"--out OUT --frames {args.frames} --seed {args.seed} --individuals {args.individuals}")
    print(f"wrote {len(rows)} frames to {args.out}: " + ", ".join(f"{k} {sum(r[1] == k for r in rows)}" for k in ["empty", *KINDS]))


if __name__ == "__main__":
    main()
