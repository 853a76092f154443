"""The wheel as a user gets it: built from the checkout, installed into a fresh venv that cannot see the checkout,
run from another folder. Guards issue 20's "Model file …/share/livespecies/models/… does not exist" (exit 2): the
wheel must carry the shipped models and the runtime resources.

Slow (a wheel of ~65 MB, a venv with onnxruntime, OpenCV and PySide6 from pip's cache): `-m 'not wheel'` skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[1]
# Build outputs and environments in the checkout stay out of the copy that is built: a stale build/lib would put
# modules deleted since into the wheel, and the venvs are large.
NOT_COPIED = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".cache")
MAX_WHEEL_BYTES = 80_000_000  # 64.5 MB measured: the five ONNX files are 68 MB of its 75 MB unpacked


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    elsewhere: Path  # a folder outside the checkout, the user's working folder
    env: dict[str, str]

    def livespecies(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "livespecies"), *args], cwd=self.elsewhere, env=self.env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    def python(self, code: str) -> str:
        done = subprocess.run([str(self.venv / "bin" / "python"), "-c", code], cwd=self.elsewhere, env=self.env,
                              capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
        return done.stdout


def run(*args: str | Path, timeout: float = 900) -> None:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv, elsewhere = base / "source", base / "dist", base / "venv", base / "elsewhere"
    shutil.copytree(ROOT, source, ignore=NOT_COPIED)
    # The build backend is the one pinned in pyproject.toml, already in the test environment: no build isolation, so
    # building needs no registry.
    run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-q", "--disable-pip-version-check", "-w", dist)
    (wheel,) = dist.glob("livespecies-*.whl")
    # A plain venv (no --system-site-packages): it sees neither the checkout nor the test environment's packages.
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel)
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LIVESPECIES_MODELS", "XDG_DATA_HOME")}
    env["HOME"] = str(base / "home")  # the example config's ~/livespecies lands here, not in the real home
    env["QT_QPA_PLATFORM"] = "offscreen"
    return Installed(wheel, venv, elsewhere, env)


def test_the_installed_program_runs_from_the_venv_not_the_checkout(installed: Installed) -> None:
    code = ("import livespecies; from livespecies.inference import defaults as d\n"
            "print(livespecies.__file__); print(d.models_dir()); print(d.resources_dir())")  # fmt: skip
    for line in installed.python(code).splitlines():
        path = Path(line).resolve()
        assert path.is_relative_to(installed.venv.resolve()), line
        assert not path.is_relative_to(ROOT), line


def test_the_wheel_carries_the_shipped_models_byte_for_byte(installed: Installed) -> None:
    """The installed models are the checkout's models/ (the only copies), their checksums hold, and the wheel stays small."""
    assert installed.wheel.stat().st_size < MAX_WHEEL_BYTES
    models = installed.venv / "share" / "livespecies" / "models"
    sums = (ROOT / "models" / "SHA256SUMS").read_text(encoding="utf-8").split()
    expected = dict(zip(sums[1::2], sums[0::2], strict=True))
    assert sorted(p.name for p in models.glob("*.onnx")) == sorted(expected)
    for name, digest in expected.items():
        assert hashlib.sha256((models / name).read_bytes()).hexdigest() == digest, name
    resources = installed.venv / "share" / "livespecies" / "resources"
    for relative in ("demo/demo.mp4", "watch-example.toml", "icons/livespecies.svg", "camtrap-dp/camtrap-dp-profile.json",
                     "species-lists/garden-birds-britain.txt"):  # fmt: skip
        assert (resources / relative).read_bytes() == (ROOT / "resources" / relative).read_bytes(), relative


def test_an_install_under_another_prefix_finds_its_own_models(installed: Installed, tmp_path: Path) -> None:
    """Guards ``pip install --user`` and ``--prefix``: the data files go under that scheme's folder, not ``sys.prefix``;
    the wheel's RECORD says where."""
    prefix = tmp_path / "prefix"
    pip = (installed.venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check")
    run(*pip, "--no-deps", "--ignore-installed", "--prefix", prefix, installed.wheel)  # the venv has it already
    site = installed.python(f"import sysconfig; print(sysconfig.get_path('purelib', vars={{'base': {str(prefix)!r}}}))").strip()
    env = {**installed.env, "PYTHONPATH": site}
    code = "import livespecies; from livespecies.inference import defaults as d; print(livespecies.__file__); print(d.default_classifier())"
    done = subprocess.run([str(installed.venv / "bin" / "python"), "-c", code], cwd=installed.elsewhere, env=env,
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    module, classifier = (Path(line) for line in done.stdout.splitlines())
    assert module.is_relative_to(prefix)
    assert classifier == prefix / "share" / "livespecies" / "models" / "imagenet-ensemble-mnv2-lite0.onnx" and classifier.is_file()


def test_classify_names_the_animal_in_a_photo_from_another_folder(installed: Installed) -> None:
    shutil.copy(ROOT / "resources" / "samples" / "jaguar.webp", installed.elsewhere / "photo.webp")
    done = installed.livespecies("classify", "photo.webp", "--json")
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["predictions"][0]["scientific_name"] == "Panthera onca", record


def test_watch_check_accepts_the_shipped_example_config(installed: Installed) -> None:
    """The example names the demo clip and the shipped models: --check finds them all in the installation."""
    example = installed.venv / "share" / "livespecies" / "resources" / "watch-example.toml"
    done = installed.livespecies("watch", str(example), "--check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("looks right."), done.stdout


def test_desktop_entry_launches_the_installed_program(installed: Installed) -> None:
    """The launcher (in $HOME/.local/share, inside this test's home) starts the venv's script, which the menu can reach."""
    done = installed.livespecies("desktop-entry")
    assert done.returncode == 0, done.stderr
    desktop_file = Path(installed.env["HOME"]) / ".local" / "share" / "applications" / "livespecies.desktop"
    assert f"Exec={installed.venv / 'bin' / 'livespecies'} gui\n" in desktop_file.read_text(encoding="utf-8")
