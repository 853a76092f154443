"""The one entry point of the exports, for the CLI (and any other caller): select, write, publish whole or not at all.

Every format is written into a hidden staging folder beside the output and renamed into place once complete and
flushed to disk, so an interrupted export, a full disk or a bad argument never leaves a half-written package that
looks finished; the staging folder is removed on any failure. A folder that cannot be written is named as read-only
before anything is written. An empty folder that is a mount point (a USB stick's root) cannot be renamed over, nor
reached by a rename from another disk: there the staging folder is inside it, and its entries are moved out, the
documents that describe the package (``datapackage.json``, ``megadetector.json``) last.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from livespecies.atomic import why_not_writable
from livespecies.errors import UserError
from livespecies.exports import FORMATS, utc_iso
from livespecies.exports.camtrap_dp import CameraSite, CamtrapProject, deployments_for, write_camtrap_dp
from livespecies.exports.megadetector import write_megadetector
from livespecies.exports.table import write_csv
from livespecies.sightings.database import SightingDatabase, SightingQuery

CSV_NAME = "sightings.csv"


def export(
    database: SightingDatabase,
    fmt: str,
    out: Path,
    query: SightingQuery | None = None,
    deployments: Mapping[str, CameraSite] | None = None,
    project: CamtrapProject | None = None,
    now: float | None = None,
) -> list[Path]:
    """Export the sightings ``query`` selects (all by default) as ``fmt`` and return the files written.

    ``camtrap-dp`` and ``megadetector`` write the folder ``out`` (new, or empty) with the snapshots in it; ``csv``
    writes, or replaces, the file ``out``. ``deployments`` gives each camera's place, keyed by camera name (Camtrap
    DP requires it; the others ignore it); ``project`` what Camtrap DP says about who made the package; ``now`` its
    creation time (default: now). Every problem a user can cause is a UserError of one sentence, after which nothing
    is left behind."""
    if fmt not in FORMATS:
        raise UserError(f"Unknown export format '{fmt}': use {', '.join(FORMATS[:-1])} or {FORMATS[-1]}.")
    sightings = database.query(query)
    if not sightings:
        raise UserError(f"No sightings in {database.path} match the selection{describe(query)}: nothing to export.")
    sites, about = dict(deployments or {}), project or CamtrapProject()
    created = time.time() if now is None else now
    if fmt == "camtrap-dp":
        deployments_for(sightings, sites)  # a camera without coordinates is refused before anything is written

    def write(folder: Path) -> list[Path]:
        if fmt == "camtrap-dp":
            return write_camtrap_dp(sightings, folder, sites, about, created)
        if fmt == "megadetector":
            return write_megadetector(sightings, folder)
        return write_csv(sightings, folder / CSV_NAME)

    return publish(out, write, single_file=fmt == "csv")


def describe(query: SightingQuery | None) -> str:
    """The filters of a query in words, for the "nothing selected" sentence."""
    if query is None:
        return ""
    parts = [f"{name}={utc_iso(value) if name in ('since', 'until') else value}" for name, value in vars(query).items() if value is not None]
    return f" ({', '.join(parts)})" if parts else ""


def publish(out: Path, write: Callable[[Path], list[Path]], single_file: bool) -> list[Path]:
    """Run ``write`` into a staging folder beside ``out``, then move the result to ``out`` in one rename (a folder)
    or one replace (a single file's export); remove the staging folder whatever happens."""
    check_target(out, single_file)
    folder, inside = staging_place(out, single_file)
    if reason := why_not_writable(folder):
        raise UserError(f"Cannot write the export to {out}: {reason}; give --out a folder you can write to.")
    staging = (out if inside else out.parent) / f".{out.name or 'export'}.{uuid.uuid4().hex[:8]}.partial"
    try:
        staging.mkdir()  # with the user's umask, unlike a mkdtemp folder: the export is meant to be shared
    except OSError as exc:
        raise UserError(f"Cannot write the export to {out}: {exc.strerror or exc}.") from None
    try:
        written = write(staging)
        sync_tree(staging)
        if single_file:
            [only] = written
            os.replace(only, out)
            sync_folder(out.parent)
            return [out]
        if inside:
            move_entries(staging, out)
        else:
            os.rename(staging, out)  # replaces an empty folder; refuses one that filled up meanwhile
        sync_folder(out.parent)
        return [out / path.relative_to(staging) for path in written]
    except OSError as exc:
        raise UserError(f"Cannot write the export to {out}: {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def staging_place(out: Path, single_file: bool) -> tuple[Path, bool]:
    """The folder that must be writable for the export, and whether the staging folder goes inside ``out`` (an empty
    folder that is a mount point, or whose parent cannot be written) rather than beside it."""
    if single_file or not out.is_dir():
        return out.parent, False
    # An existing (empty) folder: it must be writable itself, not only replaceable, as the user may have locked it.
    return out, os.path.ismount(out) or why_not_writable(out.parent) is not None


def move_entries(staging: Path, out: Path) -> None:
    """Move a finished export from its staging folder inside ``out`` up into ``out``: folders of images first, the
    files that describe them last, so an interruption never leaves a package that looks complete."""
    for entry in sorted(staging.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        os.rename(entry, out / entry.name)
    sync_folder(out)


def check_target(out: Path, single_file: bool) -> None:
    """A folder export never merges into, or replaces, a folder that holds something; a CSV names a file."""
    if single_file:
        if out.is_dir():
            raise UserError(f"{out} is a folder: name the CSV file to write, e.g. {out / CSV_NAME}.")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} already exists and is not an empty folder: choose a new folder for the export.")


def sync_tree(folder: Path) -> None:
    """Flush every file and folder of the export to disk before the rename makes it visible, so a power cut after
    the rename cannot leave a published export with empty files."""
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                os.fsync(handle.fileno())
        sync_folder(Path(root))


def sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
