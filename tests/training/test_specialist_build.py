"""The bird and insect specialists: label parsing, lineages, and the converted models against the TFLite originals."""

from __future__ import annotations

from pathlib import Path

import pytest

from livespecies.inference.model_file import load_model
from training.default_models import inat, tflite_parity
from training.default_models.inat import ParsedLabel, parse_label
from training.taxonomy.genus_placements import load_table
from training.taxonomy.lineage import LineageBuilder
from training.taxonomy.wordnet import WordNet

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("line", "expected", "rank"),
    [
        ("Parus major (Great Tit)", ParsedLabel("Parus major", "Great Tit"), "species"),
        ("Junco hyemalis caniceps (Gray-headed Junco)", ParsedLabel("Junco hyemalis caniceps", "Gray-headed Junco"), "subspecies"),
        ("Circus cyaneus hudsonius (Northern Harrier (American))",
         ParsedLabel("Circus cyaneus hudsonius", "Northern Harrier (American)"), "subspecies"),
        ("Larus glaucescens \\xd7 occidentalis (Olympic Gull)", ParsedLabel("Larus glaucescens × occidentalis", "Olympic Gull"), "unranked"),
        ("Syntomoides imaon ()", ParsedLabel("Syntomoides imaon", ""), "species"),
    ],
)  # fmt: skip
def test_label_lines(line: str, expected: ParsedLabel, rank: str) -> None:
    parsed = parse_label(line)
    assert parsed == expected and parsed.rank == rank
    assert parse_label("background") is None


@pytest.fixture(scope="module")
def bird_labels():  # type: ignore[no-untyped-def]
    source = inat.SPECIALISTS[0]
    lines = (inat.SOURCES / source.labels).read_text(encoding="utf-8").splitlines()
    return inat.specialist_labels(lines, LineageBuilder(WordNet.load()), source.scope, {}, load_table())


def lineage(labels, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    label = next(label for label in labels if label.lineage and label.lineage[0].name == name)
    return [t.name for t in label.lineage]


def test_bird_lineages(bird_labels) -> None:  # type: ignore[no-untyped-def]
    # WordNet knows Parus; the placement table knows Cyanistes and joins WordNet's tree at Paridae.
    assert lineage(bird_labels, "Parus major")[:5] == ["Parus major", "Parus", "Paridae", "Oscines", "Passeriformes"]
    assert lineage(bird_labels, "Cyanistes caeruleus")[:4] == ["Cyanistes caeruleus", "Cyanistes", "Paridae", "Oscines"]
    # WordNet's Prunella and Morus are plants: the bird genera must not land there.
    assert "Aves" in lineage(bird_labels, "Prunella modularis")
    assert lineage(bird_labels, "Morus bassanus")[2:4] == ["Sulidae", "Pelecaniformes"] or "Sulidae" in lineage(bird_labels, "Morus bassanus")
    assert all(label.lineage[-1].name == "Animalia" for label in bird_labels if label.organism)
    assert [label.common_name for label in bird_labels if not label.organism] == ["background"]


def test_every_specialist_label_reaches_a_family_and_an_order(models_dir: Path) -> None:
    for source in inat.SPECIALISTS:
        labels = [label for label in load_model(models_dir / source.onnx_file).contract.labels if label.organism]
        with_family = sum(any(t.rank == "family" for t in label.lineage) for label in labels)
        with_order = sum(any(t.rank == "order" for t in label.lineage) for label in labels)
        assert with_order == len(labels), source.key
        assert with_family >= 0.97 * len(labels), (source.key, with_family, len(labels))


@pytest.mark.parametrize("source", inat.SPECIALISTS, ids=lambda s: s.key)
def test_shipped_specialist_answers_as_the_tflite_original_on_real_photos(source: inat.SpecialistSource, models_dir: Path, photos: Path) -> None:
    """The conversion keeps the uint8 arithmetic: same top-1 on ≥ 99 % of the photos, probabilities within 4 steps of 1/256."""
    model = load_model(models_dir / source.onnx_file)
    assert model.contract.scope is not None and (model.contract.scope.rank, model.contract.scope.name) == source.scope
    tflite, _ = inat.verified(source)
    agreement = tflite_parity.compare(model.path, tflite, model.contract.input, sorted(photos.rglob("*.webp")))
    agreement.check()
    assert agreement.photos >= 70 and agreement.median_abs_diff <= agreement.step


def test_a_tampered_source_is_refused(tmp_path: Path) -> None:
    source = inat.SPECIALISTS[0]
    for name in (source.tflite, source.labels):
        (tmp_path / name).write_bytes((inat.SOURCES / name).read_bytes())
    (tmp_path / source.labels).write_text("Parus major (Great Tit)\n")
    with pytest.raises(inat.SourceError, match="sha256"):
        inat.verified(source, tmp_path)
