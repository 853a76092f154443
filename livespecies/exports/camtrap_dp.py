"""The Camtrap DP 1.0.2 export (https://camtrap-dp.tdwg.org): a folder with ``datapackage.json``, three CSV tables
and the snapshots under ``media/``, as camtrapdp (R), Agouti, Wildlife Insights and GBIF read it.

One deployment per camera, from its first to its last sighting exported (the database does not know when a camera
ran, and says so in ``deploymentComments``). Each sighting is one event-level observation, the unit ecologists
count; each snapshot is a media file, with a media-level observation that carries its box and links it to the
event by ``eventID``. Row building is pure and table-tested; ``write_camtrap_dp`` only writes what they return.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from livespecies import __version__
from livespecies.errors import UserError
from livespecies.exports import camera_folders, place_file, public_camera, read_sidecar, scientific_taxon, utc_iso
from livespecies.sightings.database import StoredSighting
from livespecies.spreadsheet_safe import safe_dict

VERSION = "1.0.2"
PROFILE_URL = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{VERSION}/camtrap-dp-profile.json"
TABLES = ("deployments", "media", "observations")
# The standard's field order (each table's CSV header must match its schema); tests compare them with the schemas.
FIELDS: dict[str, tuple[str, ...]] = {
    "deployments": ("deploymentID", "locationID", "locationName", "latitude", "longitude", "coordinateUncertainty", "deploymentStart",
                    "deploymentEnd", "setupBy", "cameraID", "cameraModel", "cameraDelay", "cameraHeight", "cameraDepth", "cameraTilt",
                    "cameraHeading", "detectionDistance", "timestampIssues", "baitUse", "featureType", "habitat", "deploymentGroups",
                    "deploymentTags", "deploymentComments"),
    "media": ("mediaID", "deploymentID", "captureMethod", "timestamp", "filePath", "filePublic", "fileName", "fileMediatype", "exifData",
              "favorite", "mediaComments"),
    "observations": ("observationID", "deploymentID", "mediaID", "eventID", "eventStart", "eventEnd", "observationLevel", "observationType",
                     "cameraSetupType", "scientificName", "count", "lifeStage", "sex", "behavior", "individualID", "individualPositionRadius",
                     "individualPositionAngle", "individualSpeed", "bboxX", "bboxY", "bboxWidth", "bboxHeight", "classificationMethod",
                     "classifiedBy", "classificationTimestamp", "classificationProbability", "observationTags", "observationComments"),
}  # fmt: skip
TAXON_RANKS = ("kingdom", "phylum", "class", "order", "family", "genus", "species", "subspecies")  # the profile's taxonRank vocabulary
SAMPLING_DESIGNS = ("simpleRandom", "systematicRandom", "clusteredRandom", "experimental", "targeted", "opportunistic")
CONTRIBUTOR_ROLES = ("contact", "principalInvestigator", "rightsHolder", "publisher", "contributor")
# Class names a user's model may have for frames without an animal (``training``'s usual non-animal names).
NOT_ANIMALS = {"blank": "blank", "empty": "blank", "nothing": "blank", "no animal": "blank", "background": "blank",
               "human": "human", "person": "human", "people": "human", "vehicle": "vehicle", "car": "vehicle"}  # fmt: skip
NOT_ALL_HOURS = "Start and end are the first and last sighting exported, not when the camera was running."


@dataclass(frozen=True)
class CameraSite:
    """Where a camera stands; Camtrap DP requires the coordinates of every deployment (WGS84 degrees)."""

    latitude: float
    longitude: float
    coordinate_uncertainty_m: int | None = None
    location_id: str | None = None

    def __post_init__(self) -> None:
        if not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0):
            raise UserError(f"{self.latitude},{self.longitude} is not a latitude (-90..90) and longitude (-180..180) in degrees.")
        if self.coordinate_uncertainty_m is not None and self.coordinate_uncertainty_m < 1:
            raise UserError("A coordinate uncertainty is a whole number of metres, at least 1.")


def parse_site(text: str) -> tuple[str, CameraSite]:
    """``CAMERA=LAT,LON`` or ``CAMERA=LAT,LON,UNCERTAINTY_M``, as typed on a command line (the last ``=`` splits, so a
    camera named by a URL with a query string still works)."""
    camera, sep, place = text.rpartition("=")
    parts = place.split(",")
    try:
        if not sep or not camera or len(parts) not in (2, 3):
            raise ValueError
        uncertainty = int(parts[2]) if len(parts) == 3 else None
        return camera, CameraSite(float(parts[0]), float(parts[1]), uncertainty)
    except ValueError:
        raise UserError(f"'{text}' is not CAMERA=LATITUDE,LONGITUDE (decimal degrees, e.g. garden=52.37,4.89).") from None


@dataclass(frozen=True)
class CamtrapProject:
    """What the package says about who made it and how; the defaults describe a few cameras placed where animals
    were expected, whose snapshots were taken when an animal was detected."""

    title: str = "Animal sightings recorded by livespecies"
    contributor: str = f"livespecies {__version__}"
    contributor_role: str = "contributor"
    contributor_email: str | None = None
    sampling_design: str = "opportunistic"
    description: str | None = None

    def __post_init__(self) -> None:
        if self.sampling_design not in SAMPLING_DESIGNS:
            raise UserError(f"Unknown sampling design '{self.sampling_design}': use one of {', '.join(SAMPLING_DESIGNS)}.")
        if self.contributor_role not in CONTRIBUTOR_ROLES:
            raise UserError(f"Unknown contributor role '{self.contributor_role}': use one of {', '.join(CONTRIBUTOR_ROLES)}.")


@dataclass(frozen=True)
class Deployment:
    deployment_id: str
    camera: str
    site: CameraSite
    start: float
    end: float


def sighting_end(s: StoredSighting) -> float:
    """An open sighting ends, for now, at its last sighting."""
    return s.ended_at if s.ended_at is not None else s.last_seen_at


def deployments_for(sightings: Sequence[StoredSighting], sites: Mapping[str, CameraSite]) -> list[Deployment]:
    """One deployment per camera; a camera without coordinates is refused, since latitude and longitude are required
    and a made-up place would be wrong data."""
    known = {public_camera(name): site for name, site in sites.items()}
    cameras = sorted({public_camera(s.camera) for s in sightings})
    missing = [c for c in cameras if c not in known]
    if missing:
        raise UserError(f"Camtrap DP needs the latitude and longitude of every camera, and none was given for {', '.join(missing)}: "
                        "give each as CAMERA=LATITUDE,LONGITUDE.")  # fmt: skip
    ids = camera_folders(cameras)
    deployments = []
    for camera in cameras:
        own = [s for s in sightings if public_camera(s.camera) == camera]
        deployments.append(Deployment(ids[camera], camera, known[camera], min(s.started_at for s in own), max(sighting_end(s) for s in own)))
    return deployments


def observation_kind(label: str, lineage: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(observationType, scientificName). An answer at any rank with a scientific name is an animal of that taxon
    ("unidentified mammal" is *Mammalia*: the model is sure of that much); one without any ("unknown animal", a
    label of one's own with no lineage) is "unknown"; a class that means no animal is blank, human or vehicle."""
    for name in (label, *(n for _, n in lineage[:1])):
        kind = NOT_ANIMALS.get(name.strip().casefold())
        if kind is not None:
            return kind, ""
    taxon = scientific_taxon(lineage)
    return ("animal", taxon[1]) if taxon else ("unknown", "")


def classified_by(models: Mapping[str, str]) -> str:
    return " | ".join(f"{role}: {model}" for role, model in sorted(models.items())) or f"livespecies {__version__}"


def probability(value: float) -> str:
    return f"{min(max(value, 0.0), 1.0):.4f}"


def deployment_row(d: Deployment) -> dict[str, str]:
    site = d.site
    return {"deploymentID": d.deployment_id, "locationID": site.location_id or "", "locationName": d.camera,
            "latitude": repr(site.latitude), "longitude": repr(site.longitude),
            "coordinateUncertainty": "" if site.coordinate_uncertainty_m is None else str(site.coordinate_uncertainty_m),
            "deploymentStart": utc_iso(d.start), "deploymentEnd": utc_iso(d.end), "deploymentComments": NOT_ALL_HOURS}  # fmt: skip


def media_row(media_id: str, deployment_id: str, timestamp: float, file_path: str) -> dict[str, str]:
    """A snapshot: taken because an animal was detected, and private (it may show people or a garden)."""
    return {"mediaID": media_id, "deploymentID": deployment_id, "captureMethod": "activityDetection", "timestamp": utc_iso(timestamp),
            "filePath": file_path, "filePublic": "false", "fileName": Path(file_path).name, "fileMediatype": "image/jpeg"}  # fmt: skip


def event_observation_row(s: StoredSighting, deployment_id: str) -> dict[str, str]:
    """A sighting is one animal's visit, so its count is 1 (two animals in view are two sightings)."""
    kind, scientific = observation_kind(s.label, s.lineage)
    return {"observationID": s.id, "deploymentID": deployment_id, "eventID": s.id, "eventStart": utc_iso(s.started_at),
            "eventEnd": utc_iso(sighting_end(s)), "observationLevel": "event", "observationType": kind, "scientificName": scientific,
            "count": "1" if kind in ("animal", "human", "vehicle") else "", "classificationMethod": "machine",
            "classifiedBy": classified_by(s.models), "classificationTimestamp": utc_iso(s.last_seen_at),
            "classificationProbability": probability(s.best_confidence),
            "observationTags": f"rank:{s.taxon_rank}|frames:{s.frames}|status:{s.status}", "observationComments": s.label}  # fmt: skip


def prediction_lineage(prediction: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(t["rank"]), str(t["name"])) for t in prediction.get("lineage", []))


def matching_prediction(s: StoredSighting, sidecar: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The snapshot's answer for the sighting's animal: the most confident one named as the sighting is, else the
    most confident finer one. A frame may show other animals, which are other sightings: beside a kingfisher, an
    "unidentified bird" sighting is the bird box, not the kingfisher that Aves also takes in."""
    if sidecar is None:
        return None
    key = (s.taxon_rank, s.taxon_name)
    found = [p for p in sidecar.get("predictions", []) if key in prediction_lineage(p)]
    exact = [p for p in found if prediction_lineage(p)[:1] == (key,)]
    return max(exact or found, key=lambda p: float(p["confidence"]), default=None)


def media_observation_row(s: StoredSighting, deployment_id: str, media_id: str, timestamp: float, prediction: Mapping[str, Any]) -> dict[str, str]:
    """What the models said about the animal in this one frame, by the classifiers its answer rests on, with its box
    (normalised, top-left origin, as the standard and the sidecar both have it); a whole-frame answer has no box."""
    kind, scientific = observation_kind(str(prediction["label"]), prediction_lineage(prediction))
    row = {"observationID": f"{s.id}-media", "deploymentID": deployment_id, "mediaID": media_id, "eventID": s.id,
           "eventStart": utc_iso(timestamp), "eventEnd": utc_iso(timestamp), "observationLevel": "media", "observationType": kind,
           "scientificName": scientific, "count": "1" if kind == "animal" else "", "classificationMethod": "machine",
           "classifiedBy": " | ".join(map(str, prediction.get("models", []))) or classified_by(s.models),
           "classificationTimestamp": utc_iso(timestamp), "classificationProbability": probability(float(prediction["confidence"])),
           "observationComments": str(prediction["label"])}  # fmt: skip
    box = prediction.get("box")
    if box and min(box[2], box[3]) > 0:
        for name, value in zip(("bboxX", "bboxY", "bboxWidth", "bboxHeight"), box, strict=True):
            row[name] = f"{min(max(float(value), 0.0), 1.0):.4f}"
    return row


def taxonomic_coverage(answers: Iterable[tuple[str, Sequence[tuple[str, str]]]]) -> list[dict[str, Any]]:
    """One entry per scientific name exported, from (label, lineage) pairs, with its rank and higher taxa; the
    label is its English name only where it names that very taxon (a breed's name is not *Canis familiaris*'s)."""
    entries: dict[str, dict[str, Any]] = {}
    for label, lineage in answers:
        taxon = scientific_taxon(lineage)
        if taxon is None or taxon[1] in entries or observation_kind(label, lineage)[0] != "animal":
            continue
        rank, name = taxon
        entry: dict[str, Any] = {"scientificName": name}
        if rank in TAXON_RANKS:
            entry["taxonRank"] = rank
        above = lineage[[n for _, n in lineage].index(name) + 1 :]
        entry |= {r: n for r, n in reversed(above) if r in TAXON_RANKS[:6]}
        if lineage[0] == taxon and label != name and not label.startswith("unidentified "):
            entry["vernacularNames"] = {"eng": label}
        entries[name] = entry
    return [entries[name] for name in sorted(entries)]


def spatial_coverage(deployments: Sequence[Deployment]) -> dict[str, Any]:
    """GeoJSON (longitude first): the camera's point, or all cameras' points."""
    points = sorted({(d.site.longitude, d.site.latitude) for d in deployments})
    if len(points) == 1:
        return {"type": "Point", "coordinates": list(points[0])}
    return {"type": "MultiPoint", "coordinates": [list(p) for p in points]}


def package_descriptor(deployments: Sequence[Deployment], taxa: list[dict[str, Any]], levels: Sequence[str],
                       project: CamtrapProject, created: float) -> dict[str, Any]:  # fmt: skip
    """``datapackage.json``. Profile and schemas are the canonical URLs, as the standard requires."""
    contributor: dict[str, str] = {"title": project.contributor, "role": project.contributor_role}
    if project.contributor_email:
        contributor["email"] = project.contributor_email
    about: dict[str, Any] = {"title": project.title, "samplingDesign": project.sampling_design, "captureMethod": ["activityDetection"],
                             "individualAnimals": False, "observationLevel": list(levels)}  # fmt: skip
    if project.description:
        about["description"] = project.description
    return {
        "profile": PROFILE_URL,
        "name": "livespecies-sightings",
        "title": project.title,
        "created": utc_iso(created),
        "contributors": [contributor],
        "sources": [{"title": "livespecies", "version": __version__}],
        "project": about,
        "spatial": spatial_coverage(deployments),
        "temporal": {"start": utc_iso(min(d.start for d in deployments))[:10], "end": utc_iso(max(d.end for d in deployments))[:10]},
        "taxonomic": taxa,
        "resources": [resource(t) for t in TABLES],
    }


def resource(table: str) -> dict[str, str]:
    return {"name": table, "path": f"{table}.csv", "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "schema": f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{VERSION}/{table}-table-schema.json"}  # fmt: skip


def captured_at(sidecar: Mapping[str, Any] | None) -> float | None:
    try:
        return datetime.fromisoformat(str(sidecar["captured_at"])).timestamp() if sidecar else None
    except (KeyError, ValueError):
        return None


def write_camtrap_dp(sightings: Sequence[StoredSighting], folder: Path, sites: Mapping[str, CameraSite], project: CamtrapProject,
                     created: float) -> list[Path]:  # fmt: skip
    """Write the package into ``folder`` (a fresh folder; the caller publishes it whole)."""
    deployments = deployments_for(sightings, sites)
    deployment_of = {d.camera: d.deployment_id for d in deployments}
    rows: dict[str, list[dict[str, str]]] = {"deployments": [deployment_row(d) for d in deployments], "media": [], "observations": []}
    answers: list[tuple[str, Sequence[tuple[str, str]]]] = []
    media: list[Path] = []
    media_of: dict[str, tuple[str, float]] = {}  # raw snapshot → (mediaID, timestamp): one media row per file
    for s in sorted(sightings, key=lambda s: (s.started_at, s.id)):
        deployment = deployment_of[public_camera(s.camera)]
        rows["observations"].append(event_observation_row(s, deployment))
        answers.append((s.label, s.lineage))
        if not s.raw_snapshot or not Path(s.raw_snapshot).is_file():
            continue  # no snapshot, or retention deleted it: the event stays, without media
        sidecar = read_sidecar(s.sidecar)
        if s.raw_snapshot not in media_of:
            relative = f"media/{deployment}/{Path(s.raw_snapshot).name}"
            if (folder / relative).exists():  # the same name in two snapshot folders of one camera
                relative = f"media/{deployment}/{s.id}-{Path(s.raw_snapshot).name}"
            place_file(Path(s.raw_snapshot), folder / relative)
            media.append(folder / relative)
            media_of[s.raw_snapshot] = (s.id, captured_at(sidecar) or s.started_at)
            rows["media"].append(media_row(s.id, deployment, media_of[s.raw_snapshot][1], relative))
        media_id, timestamp = media_of[s.raw_snapshot]
        prediction = matching_prediction(s, sidecar)
        if prediction is not None:
            rows["observations"].append(media_observation_row(s, deployment, media_id, timestamp, prediction))
            answers.append((str(prediction["label"]), prediction_lineage(prediction)))
    tables = []
    for table in TABLES:
        path = folder / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, FIELDS[table], restval="")
            writer.writeheader()
            writer.writerows(safe_dict(row) for row in rows[table])
        tables.append(path)
    levels = ["event", "media"] if any(r["observationLevel"] == "media" for r in rows["observations"]) else ["event"]
    descriptor = folder / "datapackage.json"
    document = package_descriptor(deployments, taxonomic_coverage(answers), levels, project, created)
    descriptor.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [descriptor, *tables, *media]


# ---- checking a package --------------------------------------------------------------------------------------------
class _Document:
    """The part of a ``requests`` response that frictionless reads."""

    def __init__(self, body: bytes) -> None:
        self.raw = io.BytesIO(body)
        self.status_code = 200

    def raise_for_status(self) -> None:
        return None

    def close(self) -> None:
        self.raw.close()


class _VendoredDocuments:
    """Frictionless's HTTP session, offline: the canonical URLs a package names are answered from the copies in
    ``resources/camtrap-dp`` and every other URL is refused, so a check reads exactly the ``datapackage.json`` that
    is shipped (with its canonical URLs) and never touches the network."""

    def __init__(self, documents: Mapping[str, bytes]) -> None:
        self.documents = dict(documents)

    def get(self, url: str, **_: object) -> _Document:
        if url not in self.documents:
            raise OSError(f"{url} is not available offline")
        return _Document(self.documents[url])


def standard_documents(vendored: Path) -> dict[str, bytes]:
    """The documents the profile and the package name, by URL. The profile's own ``$ref``s: the Data Package schema
    becomes ``{"type": "object"}`` (frictionless checks a package against the Data Package standard itself), the
    GeoJSON schema is the copy frictionless ships."""
    import frictionless

    base = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{VERSION}/"
    documents = {base + name: (vendored / name).read_bytes() for name in ("camtrap-dp-profile.json", *(f"{t}-table-schema.json" for t in TABLES))}
    documents["https://specs.frictionlessdata.io/schemas/data-package.json"] = b'{"type": "object"}'
    documents["http://json.schemastore.org/geojson.json"] = (Path(frictionless.__file__).parent / "assets/profiles/geojson.json").read_bytes()
    return documents


def validate_camtrap_dp(folder: Path, vendored: Path | None = None) -> list[str]:
    """Every way the package in ``folder`` breaks Camtrap DP 1.0.2, as "type: note" lines (none: it is valid).
    Needs frictionless (a test dependency, not one of the program's); not thread-safe (frictionless's session is
    process-wide)."""
    try:
        from frictionless import system, validate
    except ImportError:
        raise UserError("Checking a Camtrap DP package needs frictionless: pip install frictionless==5.21.0.") from None
    from livespecies.inference.defaults import resources_dir

    documents = standard_documents(vendored or resources_dir() / "camtrap-dp")
    with system.use_context(http_session=_VendoredDocuments(documents)):
        report = validate(str(folder / "datapackage.json"))
    return [f"{kind}: {note}" for kind, note in report.flatten(["type", "note"])]
