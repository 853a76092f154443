"""The iNaturalist-2017 bird and insect specialists (Coral's quantised MobileNetV2s) as livespecies models.

The sources are vendored in ``models/sources/coral-inat`` (Apache-2.0, from the
google-coral/test_data repository), pinned here by sha256. Each label reads
``Genus species (Common Name)``; its lineage is built as follows:

* the genus is the binomial's first word; a third word makes a subspecies of the
  species, and ``×`` a hybrid hanging from the genus;
* family and order come from the same WordNet-derived taxonomy as the generalist's
  labels, where WordNet knows the genus and places it inside the model's scope (the
  bird genus *Prunella* must not land among WordNet's plants of that name);
* otherwise from ``training/taxonomy/genus_placements.csv`` (the iNaturalist taxonomy),
  joined to WordNet's tree at the first of family and order that WordNet knows inside
  the scope, so that *Cyanistes* sits in WordNet's Paridae beside *Parus*;
* a genus found in neither hangs straight from the scope class: correct, if coarse;
* ``background`` is not an organism: its probability goes back to the generalist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from livespecies.inference.contract import InputSpec, LabelSpec, ModelContract, OutputSpec, Provenance
from livespecies.types import Taxon
from training.default_models.tflite_to_onnx import input_normalisation, read_tflite
from training.taxonomy.lineage import LineageBuilder, TaxonKey

Placement = tuple[str, str, str]  # family, order, class of a genus

SOURCES = Path(__file__).resolve().parents[2] / "models" / "sources" / "coral-inat"
REPOSITORY = "https://github.com/google-coral/test_data"
COMMIT = "104342d2d3480b3e66203073dac24f4e2dbb4c41"


@dataclass(frozen=True)
class SpecialistSource:
    key: str
    title: str
    tflite: str
    tflite_sha256: str
    labels: str
    labels_sha256: str
    scope: TaxonKey
    onnx_file: str


SPECIALISTS: tuple[SpecialistSource, ...] = (
    SpecialistSource(
        "birds",
        "iNaturalist-2017 birds: 964 species (MobileNetV2, Coral's uint8 model, arithmetic kept exactly)",
        "mobilenet_v2_1.0_224_inat_bird_quant.tflite",
        "350fcd8cf1df1560060d464595dfed8b174b05792788052896004848d9ad04f9",
        "inat_bird_labels.txt",
        "a16108dfe3f8daff015b87a97ab6a17e717b9b1bccd719f6d8f747746d7b9277",
        ("class", "Aves"),
        "inat2017-birds-mobilenet-v2.onnx",
    ),
    SpecialistSource(
        "insects",
        "iNaturalist-2017 insects: 1,021 species (MobileNetV2, Coral's uint8 model, arithmetic kept exactly)",
        "mobilenet_v2_1.0_224_inat_insect_quant.tflite",
        "0ebaeb474dccf56b8b818b014f0d6a8e22b35a45b491a659f0b5405c9c838282",
        "inat_insect_labels.txt",
        "e5e03664a8a70eafc3308268eb8cd6aa28652912735bfdd45e436ae9617155bc",
        ("class", "Insecta"),
        "inat2017-insects-mobilenet-v2.onnx",
    ),
)


class SourceError(RuntimeError):
    pass


def verified(source: SpecialistSource, folder: Path = SOURCES) -> tuple[Path, Path]:
    """The vendored model and label files, refused unless their sha256 matches the pin."""
    files = []
    for name, expected in ((source.tflite, source.tflite_sha256), (source.labels, source.labels_sha256)):
        path = folder / name
        if not path.is_file():
            raise SourceError(f"{path} is missing: it is vendored in the repository (models/sources/coral-inat)")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise SourceError(f"{path} has sha256 {actual}, expected {expected}")
        files.append(path)
    return files[0], files[1]


@dataclass(frozen=True)
class ParsedLabel:
    scientific: str  # "Parus major", "Junco hyemalis caniceps", "Anas superciliosa × platyrhynchos"
    common: str  # "" when the file gives none

    @property
    def genus(self) -> str:
        return self.scientific.split()[0]

    @property
    def rank(self) -> str:
        words = self.scientific.split()
        if "×" in words:
            return "unranked"  # a hybrid: no rank of its own, it belongs to the genus
        return {2: "species", 3: "subspecies"}.get(len(words), "unranked")


def parse_label(line: str) -> ParsedLabel | None:
    """``Genus species (Common Name)``; None for ``background``. The common name may hold parentheses itself."""
    text = line.strip().replace("\\xd7", "×")
    if text == "background":
        return None
    scientific, _, rest = text.partition(" (")
    if not rest.endswith(")") or not scientific[:1].isupper():
        raise SourceError(f"label {line!r} is not 'Genus species (Common Name)'")
    return ParsedLabel(scientific.strip(), rest[:-1].strip())


def specialist_labels(
    lines: Sequence[str],
    builder: LineageBuilder,
    scope: TaxonKey,
    common_names: Mapping[TaxonKey, str],
    placements: Mapping[str, Placement],
) -> list[LabelSpec]:
    """One LabelSpec per output, in output order. ``common_names`` names coarser taxa as the generalist does;
    ``placements`` places genera WordNet does not know (``training/taxonomy/genus_placements.csv``)."""
    scope_chain = builder.lineage_above(scope)
    labels: list[LabelSpec] = []
    for index, line in enumerate(lines):
        parsed = parse_label(line)
        if parsed is None:
            labels.append(LabelSpec(key=f"{index}:background", common_name="background", organism=False))
            continue
        chain = _genus_chain(builder, ("genus", parsed.genus), scope, scope_chain, placements)
        words = parsed.scientific.split()
        own: list[TaxonKey] = []
        if parsed.rank == "subspecies":
            own = [("subspecies", parsed.scientific), ("species", " ".join(words[:2]))]
        elif parsed.rank == "species":
            own = [("species", parsed.scientific)]
        else:
            own = [("unranked", parsed.scientific)]
        lineage = [Taxon(rank, name, common_names.get((rank, name))) for rank, name in own + chain]
        lineage[0] = Taxon(lineage[0].rank, lineage[0].name, parsed.common or None)
        labels.append(LabelSpec(key=f"{index}:{parsed.scientific}", common_name=parsed.common or parsed.scientific,
                                organism=True, lineage=tuple(lineage)))  # fmt: skip
    return labels


def _genus_chain(
    builder: LineageBuilder, genus: TaxonKey, scope: TaxonKey, scope_chain: list[TaxonKey], placements: Mapping[str, Placement]
) -> list[TaxonKey]:
    """WordNet's chain for the genus when it lies in the scope; else the placement table's family and order,
    joined to WordNet's tree at the first of them WordNet knows inside the scope; else the scope itself."""
    if builder.parent(genus) is not None:
        chain = builder.lineage_above(genus)
        if scope in chain:
            return chain
    placed = placements.get(genus[1])
    if placed is None:
        return [genus, *scope_chain]
    family, order, _ = placed
    between: list[TaxonKey] = [genus]
    for key in (("family", family), ("order", order)):
        if builder.parent(key) is not None:
            above = builder.lineage_above(key)
            if scope in above:
                return between + above
        between.append(key)
    return between + scope_chain


def specialist_contract(source: SpecialistSource, labels: Sequence[LabelSpec], tflite: Path) -> ModelContract:
    mean, std = input_normalisation(read_tflite(tflite))
    return ModelContract(
        model_id=f"livespecies/{Path(source.onnx_file).stem}@2017",
        kind="classifier",
        title=source.title,
        # The square crop is resized to 256 and its centre 224 kept, like the generalist's crops (the network
        # itself was trained on Inception-style centre crops of whole photos).
        input=InputSpec(name="image", height=224, width=224, color="RGB", resize="resize_center_crop", resize_size=256,
                        pad_value=0.0, scale=1.0, mean=(mean,) * 3, std=(std,) * 3),
        output=OutputSpec(name="scores", scores="probabilities"),
        labels=tuple(labels),
        provenance=Provenance(
            weights_package="google-coral/test_data (vendored in models/sources/coral-inat)",
            weights_version=COMMIT,
            weights_file=source.tflite,
            weights_sha256=source.tflite_sha256,
            licence="Apache-2.0 (Google LLC)",
            build_command="python -m training build-default-models",
            source=f"{REPOSITORY}/tree/{COMMIT}",
            notes=f"Labels: {source.labels} (sha256 {source.labels_sha256[:16]}…). Lineage: genus from the binomial; family and "
            "order from WordNet 3.0 + training/taxonomy/corrections.py where WordNet places the genus in the scope, else "
            "straight to the class. Converted by training/default_models/tflite_to_onnx.py keeping the uint8 arithmetic.",
        ),
        scope=Taxon(source.scope[0], source.scope[1]),
    )
