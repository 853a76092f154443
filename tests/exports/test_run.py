"""The export entry point: every format on one database, errors a user can cause as one sentence, output that is
whole or absent (a read-only folder and a full disk are real mounts), and no password in any file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from livespecies.errors import UserError
from livespecies.exports.camtrap_dp import CameraSite, validate_camtrap_dp
from livespecies.exports.run import export
from livespecies.inference.engine import Recognizer
from livespecies.sightings.database import SightingDatabase, SightingQuery
from tests.exports.conftest import GATE, NORTH, PASSWORD, T0, Shot, SightingsFixture, record_shot
from tests.filesystems import mounted_tmpfs, read_only_folder

SITES = {NORTH: CameraSite(52.37, 4.89), GATE: CameraSite(52.38, 4.90)}


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("fmt", "query", "message"),
    [
        ("darwin-core", None, "Unknown export format 'darwin-core': use camtrap-dp, megadetector or csv."),
        ("csv", SightingQuery(species="okapi"), r"match the selection \(species=okapi\): nothing to export\."),
        ("csv", SightingQuery(camera="shed", since=T0), r"\(camera=shed, since=2024-06-01T07:00:00Z\)"),
        ("camtrap-dp", None, "none was given for north meadow, rtsp://ranger:\\*\\*\\*@10.0.0.7/live"),  # no coordinates passed
    ],
)
def test_what_cannot_be_exported_is_one_sentence_and_writes_nothing(
    sightings: SightingsFixture, tmp_path: Path, fmt: str, query: SightingQuery | None, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        export(sightings.db, fmt, tmp_path / "out", query)
    assert not list(tmp_path.iterdir())


def test_an_export_never_merges_into_something_that_exists(sightings: SightingsFixture, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("kept")
    with pytest.raises(UserError, match="already exists and is not an empty folder"):
        export(sightings.db, "megadetector", taken)
    with pytest.raises(UserError, match="is a folder: name the CSV file to write"):
        export(sightings.db, "csv", taken)
    assert files_under(tmp_path) == [taken / "mine.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export(sightings.db, "megadetector", empty)[0] == empty / "megadetector.json"  # an empty folder is filled
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "taken"]  # no staging folder left


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    with read_only_folder(tmp_path / "ro") as folder:
        yield folder


@pytest.mark.parametrize("fmt", ["camtrap-dp", "megadetector", "csv"])
def test_a_folder_that_cannot_be_written_is_one_sentence(sightings: SightingsFixture, read_only: Path, fmt: str) -> None:
    with pytest.raises(UserError, match=f"Cannot write the export to {read_only}/out: the folder {read_only} is [a-z ]*read-only"):
        export(sightings.db, fmt, read_only / "out", deployments=SITES)
    assert not list(read_only.iterdir())


def export_command(database: Path, fmt: str, out: Path) -> subprocess.CompletedProcess[str]:
    """``livespecies export`` as a user types it, with every camera's place for Camtrap DP."""
    places = [arg for camera, site in SITES.items() for arg in ("--location", f"{camera}={site.latitude},{site.longitude}")]
    return subprocess.run([sys.executable, "-m", "livespecies", "export", "--db", str(database), "--format", fmt, "--out", str(out), *places],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(("fmt", "inside"), [("camtrap-dp", ""), ("megadetector", ""), ("camtrap-dp", "new"), ("csv", "s.csv")])
def test_exporting_into_a_read_only_folder_says_so_and_what_to_do(sightings: SightingsFixture, tmp_path: Path, fmt: str, inside: str) -> None:
    """``export --out /ro`` said "Device or resource busy" (the read-only folder was a mount point)."""
    with read_only_folder(tmp_path / "ro") as ro:
        done = export_command(sightings.db.path, fmt, ro / inside if inside else ro)
        assert not list(ro.iterdir())
    [line] = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert f"the folder {ro} is" in line and "read-only" in line and "--out" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro"], "no staging folder left beside it"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 96 kB filesystem, so 'disk full' is the kernel's ENOSPC halfway through copying the snapshots."""
    with mounted_tmpfs(tmp_path / "tiny", "size=96k") as mount:
        yield mount


@pytest.fixture
def mount_point(tmp_path: Path) -> Iterator[Path]:
    """An empty file system mounted on the export's folder itself, as a USB stick's root is."""
    with mounted_tmpfs(tmp_path / "stick", "size=32m") as mount:
        yield mount


@pytest.mark.parametrize("fmt", ["camtrap-dp", "megadetector"])
def test_an_empty_mount_point_is_filled(sightings: SightingsFixture, mount_point: Path, fmt: str) -> None:
    """A folder that is a mount point cannot be renamed over ("Device or resource busy"): the export is staged inside it."""
    written = export(sightings.db, fmt, mount_point, deployments=SITES)
    assert files_under(mount_point) == sorted(written)
    assert [p.name for p in mount_point.parent.iterdir()] == ["stick"], "no staging folder left beside it"
    if fmt == "camtrap-dp":
        assert validate_camtrap_dp(mount_point) == []


@pytest.mark.parametrize("fmt", ["camtrap-dp", "megadetector"])
def test_a_full_disk_leaves_no_partial_export(sightings: SightingsFixture, tiny_disk: Path, fmt: str) -> None:
    with pytest.raises(UserError, match="No space left on device"):
        export(sightings.db, fmt, tiny_disk / "out", deployments=SITES)
    assert not list(tiny_disk.iterdir())


def test_no_password_reaches_any_export(tmp_path: Path, recognizer: Recognizer, photos: Path) -> None:
    """Stream cameras are named by their URL. The service stores it redacted; a row that holds the password anyway
    (another writer, an older database) is redacted by the export too. No file of any format contains it."""
    db = SightingDatabase(tmp_path / "s.db")
    leaked = f"rtsp://ranger:{PASSWORD}@10.0.0.7/live"
    record_shot(db, recognizer, photos, tmp_path / "snaps", Shot("a", GATE, "animals/explore_world_animals-koala.webp", T0, 5.0))
    record_shot(db, recognizer, photos, tmp_path / "snaps", Shot("b", leaked, "animals/explore_world_animals-jaguar.webp", T0 + 60, 5.0))
    assert db.cameras() == [GATE, leaked]  # the database stores what it is given: the export must not trust it
    outputs = tmp_path / "exports"
    export(db, "camtrap-dp", outputs / "camtrap", deployments={GATE: CameraSite(1.0, 2.0)})
    export(db, "megadetector", outputs / "md")
    export(db, "csv", outputs / "s.csv")
    assert validate_camtrap_dp(outputs / "camtrap") == []
    written = files_under(outputs)
    assert len(written) == 6 + 3 + 1
    for path in written:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data, path
    assert "rtsp://ranger:***@10.0.0.7/live" in (outputs / "camtrap" / "deployments.csv").read_text()
    assert (outputs / "camtrap" / "deployments.csv").read_text().count("\n") == 2  # both rows are one camera once redacted
