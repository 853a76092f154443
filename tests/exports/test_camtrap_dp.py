"""The Camtrap DP export: row building from tables of cases, and whole packages of a real database validated offline
with frictionless against the vendored 1.0.2 profile and schemas, then read back."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from livespecies.errors import UserError
from livespecies.exports import scientific_taxon, utc_iso
from livespecies.exports.camtrap_dp import (
    FIELDS,
    PROFILE_URL,
    CameraSite,
    CamtrapProject,
    Deployment,
    deployments_for,
    event_observation_row,
    media_observation_row,
    observation_kind,
    parse_site,
    spatial_coverage,
    taxonomic_coverage,
    validate_camtrap_dp,
)
from livespecies.exports.run import export
from livespecies.sightings.database import SightingQuery
from tests.exports.conftest import BEAR, DOG, GATE, NORTH, T0, SightingsFixture, sighting

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "resources" / "camtrap-dp"
SITES = {NORTH: CameraSite(52.3702, 4.8952, 30), GATE: CameraSite(52.3711, 4.9001)}
def read_table(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---- rows, from tables ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("label", "lineage", "expected"),
    [
        ("polar bear", BEAR, ("animal", "Ursus maritimus")),
        ("German shepherd", DOG, ("animal", "Canis familiaris")),  # a breed is not a scientific name: its species is
        ("hen", (("form", "hen"), ("species", "Gallus gallus"), ("class", "Aves")), ("animal", "Gallus gallus")),
        ("unidentified mammal", BEAR[3:], ("animal", "Mammalia")),  # a class-level answer is still an animal of that class
        ("zebra", (("unranked", "zebra"), ("genus", "Equus")), ("animal", "Equus")),
        ("mule", (("unranked", "Equus × mulus"), ("genus", "Equus")), ("animal", "Equus")),  # a hybrid: its genus
        ("unknown animal", (), ("unknown", "")),  # the detector is sure, no taxon reached the threshold
        ("deer", (("unranked", "deer"),), ("unknown", "")),  # a user's class without any scientific name
        ("empty", (), ("blank", "")),
        ("Person", (("unranked", "person"),), ("human", "")),
        ("vehicle", (), ("vehicle", "")),
    ],
)  # fmt: skip
def test_observation_type_and_scientific_name(label: str, lineage: tuple[tuple[str, str], ...], expected: tuple[str, str]) -> None:
    assert observation_kind(label, lineage) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("garden=52.37,4.89", ("garden", CameraSite(52.37, 4.89))),
        ("north meadow=-33.9,18.4,25", ("north meadow", CameraSite(-33.9, 18.4, 25))),
        ("rtsp://u:***@cam/live?ch=1=10,20", ("rtsp://u:***@cam/live?ch=1", CameraSite(10.0, 20.0))),  # the last '=' splits
    ],
)
def test_parse_site(text: str, expected: tuple[str, CameraSite]) -> None:
    assert parse_site(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("garden", "is not CAMERA=LATITUDE,LONGITUDE"), ("=1,2", "is not CAMERA"), ("garden=52.3", "is not CAMERA"),
     ("garden=north,east", "is not CAMERA"), ("garden=95,4", "is not a latitude"), ("garden=5,-190", "is not a latitude"),
     ("garden=5,4,0", "at least 1")],
)  # fmt: skip
def test_bad_sites_are_one_sentence(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_site(text)


def test_a_camera_without_coordinates_is_refused_by_name() -> None:
    """Latitude and longitude are required by the schema: no made-up place, a sentence naming each camera."""
    chosen = [sighting(camera=NORTH), sighting(id="s2", camera="garden"), sighting(id="s3", camera="shed")]
    with pytest.raises(UserError, match="none was given for garden, shed: give each as CAMERA=LATITUDE,LONGITUDE"):
        deployments_for(chosen, {NORTH: SITES[NORTH]})
    with pytest.raises(UserError, match="Unknown sampling design"):
        CamtrapProject(sampling_design="random")


def test_a_deployment_spans_its_cameras_sightings() -> None:
    chosen = [sighting(started_at=T0 + 100, ended_at=None, last_seen_at=T0 + 900, status="open"), sighting(id="s2", started_at=T0)]
    [deployment] = deployments_for(chosen, SITES)
    assert (deployment.deployment_id, deployment.start, deployment.end) == ("north-meadow", T0, T0 + 900)


def test_event_observation_of_an_open_sighting() -> None:
    row = event_observation_row(sighting(status="open", ended_at=None, last_seen_at=T0 + 61.9), "north-meadow")
    assert row["eventStart"] == "2024-06-01T07:00:00Z" and row["eventEnd"] == "2024-06-01T07:01:01Z"  # floored alike
    assert (row["observationLevel"], row["observationType"], row["scientificName"], row["count"]) == ("event", "animal", "Ursus maritimus", "1")
    assert row["classifiedBy"] == "classifier: c@1 | detector: d@2" and row["classificationProbability"] == "0.9300"
    assert row["observationTags"] == "rank:species|frames:12|status:open" and row["observationComments"] == "polar bear"


@pytest.mark.parametrize(
    ("box", "expected"),
    [([0.1, 0.2, 0.3, 0.4], {"bboxX": "0.1000", "bboxY": "0.2000", "bboxWidth": "0.3000", "bboxHeight": "0.4000"}),
     (None, {}),  # a whole-frame answer: no box
     ([0.5, 0.5, 0.0, 0.2], {})],  # a degenerate box: the schema's width minimum is above 0
)  # fmt: skip
def test_media_observation_box(box: list[float] | None, expected: dict[str, str]) -> None:
    prediction = {"label": "polar bear", "confidence": 0.8, "box": box, "models": ["c@1"], "lineage": [{"rank": r, "name": n} for r, n in BEAR]}
    row = media_observation_row(sighting(), "north-meadow", "s1", T0 + 5, prediction)
    assert {k: v for k, v in row.items() if k.startswith("bbox")} == expected
    assert (row["observationID"], row["mediaID"], row["eventID"], row["eventStart"], row["classifiedBy"]) == (
        "s1-media", "s1", "s1", "2024-06-01T07:00:05Z", "c@1")  # fmt: skip


def test_taxonomic_coverage() -> None:
    entries = taxonomic_coverage([("polar bear", BEAR), ("German shepherd", DOG), ("polar bear", BEAR), ("unknown animal", ()),
                                  ("unidentified mammal", BEAR[3:])])  # fmt: skip
    assert entries == [
        {"scientificName": "Canis familiaris", "taxonRank": "species", "kingdom": "Animalia", "class": "Mammalia", "order": "Carnivora",
         "family": "Canidae", "genus": "Canis"},  # no English name: "German shepherd" is not Canis familiaris
        {"scientificName": "Mammalia", "taxonRank": "class", "kingdom": "Animalia"},
        {"scientificName": "Ursus maritimus", "taxonRank": "species", "kingdom": "Animalia", "class": "Mammalia", "family": "Ursidae",
         "genus": "Ursus", "vernacularNames": {"eng": "polar bear"}},
    ]  # fmt: skip


def test_spatial_coverage_is_geojson_longitude_first() -> None:
    one = Deployment("a", "a", CameraSite(52.0, 4.0), 0, 1)
    assert spatial_coverage([one]) == {"type": "Point", "coordinates": [4.0, 52.0]}
    two = Deployment("b", "b", CameraSite(51.0, 5.0), 0, 1)
    assert spatial_coverage([one, two]) == {"type": "MultiPoint", "coordinates": [[4.0, 52.0], [5.0, 51.0]]}


def test_times_and_names() -> None:
    assert utc_iso(T0 + 0.999) == "2024-06-01T07:00:00Z"
    assert scientific_taxon(DOG) == ("species", "Canis familiaris") and scientific_taxon((("unranked", "deer"),)) is None


def test_columns_are_the_standards_and_the_vendored_copies_are_intact() -> None:
    """Each CSV header must match its schema's fields in order; the vendored files are the published 1.0.2 ones."""
    for table, fields in FIELDS.items():
        schema = json.loads((VENDORED / f"{table}-table-schema.json").read_text())
        assert fields == tuple(f["name"] for f in schema["fields"]), table
    readme = (VENDORED / "README.md").read_text()
    import hashlib

    for name in ("camtrap-dp-profile.json", "deployments-table-schema.json", "media-table-schema.json", "observations-table-schema.json"):
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() in readme, name


# ---- whole packages ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def package(sightings: SightingsFixture, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("camtrap") / "package"
    return out, export(sightings.db, "camtrap-dp", out, deployments=SITES, now=T0 + 3 * 86400)


def test_the_package_is_valid_camtrap_dp(package: tuple[Path, list[Path]]) -> None:
    out, written = package
    assert validate_camtrap_dp(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["datapackage.json", "deployments.csv", "media", "media.csv", "observations.csv"]
    assert all(path.is_file() and out in path.parents for path in written) and len(written) == 4 + 7


def test_the_descriptor(package: tuple[Path, list[Path]]) -> None:
    out, _ = package
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert descriptor["profile"] == PROFILE_URL  # the canonical URLs, not the vendored copies
    assert {r["schema"] for r in descriptor["resources"]} == {
        f"https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/{t}-table-schema.json" for t in ("deployments", "media", "observations")}
    assert descriptor["created"] == "2024-06-04T07:00:00Z" and descriptor["temporal"] == {"start": "2024-06-01", "end": "2024-06-03"}
    assert descriptor["project"]["observationLevel"] == ["event", "media"] and descriptor["project"]["samplingDesign"] == "opportunistic"
    assert descriptor["spatial"] == {"type": "MultiPoint", "coordinates": [[4.8952, 52.3702], [4.9001, 52.3711]]}
    names = {t["scientificName"]: t for t in descriptor["taxonomic"]}
    assert {"Ursus maritimus", "Gallus gallus domesticus", "Mammalia", "Canis familiaris", "Alcedo atthis", "Aves", "Panthera onca",
            "Phascolarctos cinereus"} == set(names)  # fmt: skip
    assert names["Ursus maritimus"]["vernacularNames"] == {"eng": "polar bear"} and names["Alcedo atthis"]["class"] == "Aves"
    assert names["Gallus gallus domesticus"]["taxonRank"] == "subspecies"


def test_deployments_media_and_observations(package: tuple[Path, list[Path]], sightings: SightingsFixture) -> None:
    out, _ = package
    deployments = {d["deploymentID"]: d for d in read_table(out, "deployments")}
    assert set(deployments) == {"north-meadow", "rtsp-ranger-10-0-0-7-live"}
    north = deployments["north-meadow"]
    assert (north["locationName"], north["latitude"], north["longitude"], north["coordinateUncertainty"]) == (NORTH, "52.3702", "4.8952", "30")
    assert (north["deploymentStart"], north["deploymentEnd"]) == ("2024-06-01T07:00:00Z", "2024-06-03T07:00:03Z")  # the open koala, so far
    assert deployments["rtsp-ranger-10-0-0-7-live"]["locationName"] == GATE

    media = {m["mediaID"]: m for m in read_table(out, "media")}
    assert set(media) == {"bear", "hen", "moose", "dog", "kingfisher", "bird", "koala"}  # the jaguar had no snapshot
    for media_id, row in media.items():
        [stored] = [s for s in sightings.db.query() if s.id == media_id]
        assert row["filePath"].startswith(f"media/{row['deploymentID']}/") and row["filePublic"] == "false"
        assert (out / row["filePath"]).read_bytes() == Path(str(stored.raw_snapshot)).read_bytes()  # the raw frame, not the drawn one
        assert row["timestamp"] == utc_iso(stored.started_at + 1.25)  # when the snapshot's frame was captured

    observations = read_table(out, "observations")
    events = {o["eventID"]: o for o in observations if o["observationLevel"] == "event"}
    assert set(events) == {"bear", "hen", "moose", "dog", "kingfisher", "bird", "jaguar", "koala"}  # one per sighting
    assert {k: events[k]["scientificName"] for k in events} == {
        "bear": "Ursus maritimus", "hen": "Gallus gallus domesticus", "moose": "Mammalia", "dog": "Canis familiaris",
        "kingfisher": "Alcedo atthis", "bird": "Aves", "jaguar": "Panthera onca", "koala": "Phascolarctos cinereus"}  # fmt: skip
    assert events["dog"]["observationComments"] == "German shepherd" and "rank:breed" in events["dog"]["observationTags"]
    assert events["koala"]["observationTags"].endswith("status:open") and events["bear"]["eventEnd"] == "2024-06-01T07:00:42Z"
    assert all(e["classifiedBy"].count("livespecies/") == 4 and e["count"] == "1" for e in events.values())

    boxes = {o["eventID"]: o for o in observations if o["observationLevel"] == "media"}
    assert set(boxes) == set(media)
    for event_id, row in boxes.items():
        [stored] = [s for s in sightings.db.query() if s.id == event_id]
        sidecar = json.loads(Path(str(stored.sidecar)).read_text())
        box = [float(row[k]) for k in ("bboxX", "bboxY", "bboxWidth", "bboxHeight")]
        assert box in [p["box"] for p in sidecar["predictions"]], event_id  # the sidecar's own box, top-left origin
    assert boxes["bird"]["scientificName"] == "Aves" and boxes["kingfisher"]["scientificName"] == "Alcedo atthis"


def test_a_selection_exports_only_its_cameras(sightings: SightingsFixture, tmp_path: Path) -> None:
    out = tmp_path / "gate"
    export(sightings.db, "camtrap-dp", out, SightingQuery(camera=GATE), deployments={GATE: SITES[GATE]}, now=T0)
    assert validate_camtrap_dp(out) == []
    assert [d["locationName"] for d in read_table(out, "deployments")] == [GATE]
    assert {o["eventID"] for o in read_table(out, "observations")} == {"dog", "kingfisher", "bird", "jaguar"}


def test_the_check_finds_what_breaks_the_standard(package: tuple[Path, list[Path]], tmp_path: Path) -> None:
    """The offline check is not vacuous: each of these packages is refused, naming the problem."""
    original, _ = package

    def broken(edit_descriptor=None, table: str | None = None, old: str = "", new: str = "") -> list[str]:  # type: ignore[no-untyped-def]
        copy = tmp_path / f"copy{len(list(tmp_path.iterdir()))}"
        shutil.copytree(original, copy)
        if edit_descriptor is not None:
            descriptor = json.loads((copy / "datapackage.json").read_text())
            edit_descriptor(descriptor)
            (copy / "datapackage.json").write_text(json.dumps(descriptor))
        if table is not None:
            text = (copy / f"{table}.csv").read_text()
            assert old in text
            (copy / f"{table}.csv").write_text(text.replace(old, new, 1))
        return validate_camtrap_dp(copy)

    assert any("'project' is a required property" in e for e in broken(lambda d: d.pop("project")))
    assert any("not valid under any of the given schemas" in e for e in broken(lambda d: d.update(spatial={"type": "Blob"})))
    assert any("package-error" in e for e in broken(lambda d: d.update(name="Not A Valid Name!")))  # the Data Package standard itself
    assert any("constraint-error" in e for e in broken(table="observations", old=",animal,", new=",animals,"))
    assert any("type-error" in e for e in broken(table="media", old="2024-06-01T07:00:01Z", new="2024-06-01 07:00:01"))
    assert any("foreign-key" in e for e in broken(table="observations", old="north-meadow", new="south-meadow"))
    assert any("not available offline" in e or "metadata-error" in e for e in broken(lambda d: d.update(profile=PROFILE_URL.replace("1.0.2", "1.0"))))
