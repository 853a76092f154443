"""What ``watch --check`` and ``watch`` verify before anything starts: everything that needs no network.

A config that passes here is not refused later for a reason that was already
knowable: a ``${NAME}`` in a source URL that the environment does not hold
(the watcher would retry that camera forever), a web page beyond loopback
without its token, a secret's variable that is not set, a folder that cannot
be written, a model file or species list that is missing. Reaching a camera, the
broker or a port is left to the run itself: ``--check`` may run beside a
watcher that already holds its port, on a machine that cannot reach the cameras.
Every problem is one sentence, and all of them come in one message, so a user
fixes the file in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from livespecies.capture.source_spec import SourceError, expand_secrets, parse_source
from livespecies.errors import UserError
from livespecies.inference.defaults import default_classifier, default_detector
from livespecies.inference.species_list import load_species_list
from livespecies.watch.config import WatchConfig, secret
from livespecies.web.access import check_bind


def check_config(config: WatchConfig) -> None:
    """Raise one UserError naming every problem the watcher would meet at start, or return."""
    problems = [*_models(config), *_species_lists(config), *_secrets(config), *_folders(config)]
    if problems:
        raise UserError(" ".join(problems))


def _models(config: WatchConfig) -> Iterator[str]:
    models = config.models
    detector = None if models.no_detector else (models.detector or default_detector())
    for path in (models.classifier or default_classifier(), detector, *(models.specialists or ())):
        if path is not None and not Path(path).is_file():
            yield f"Model file {path} does not exist."


def _species_lists(config: WatchConfig) -> Iterator[str]:
    for camera in config.cameras:
        if camera.species_list is not None:
            try:
                load_species_list(camera.species_list)
            except UserError as exc:
                yield str(exc)


def _secrets(config: WatchConfig) -> Iterator[str]:
    """Each ``${NAME}`` of a stream URL, the web token and the MQTT password: set, and the token usable."""
    for camera in config.cameras:
        if parse_source(camera.source).kind != "stream":
            continue
        try:
            expand_secrets(camera.source)
        except SourceError as exc:
            reason = str(exc).removeprefix("The source URL ").split(";")[0].rstrip(".")
            yield f"Camera '{camera.name}': its source URL {reason}; set it in the environment that starts the watcher."
    if config.web is not None:
        try:
            check_bind(config.web.address, secret(config.web.token_env, "The web page's token"))
        except UserError as exc:
            yield str(exc)
    if config.mqtt is not None:
        try:
            secret(config.mqtt.password_env, "The MQTT password")
        except UserError as exc:
            yield str(exc)


def _folders(config: WatchConfig) -> Iterator[str]:
    database = config.database.path
    if database.is_dir():
        yield f"The sightings database {database} is a folder: name a file in it, such as {database / 'sightings.db'}."
    elif database.exists() and not os.access(database, os.W_OK):
        yield f"The sightings database {database} cannot be written: let this user write it, or name another file."
    yield from _writable_folder(database.parent, "The database folder")
    yield from _writable_folder(config.snapshot_folder, "The snapshot folder")


def _writable_folder(folder: Path, what: str) -> Iterator[str]:
    """The folder, or the nearest folder above it that exists (the watcher makes the rest), must let this user write."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        yield f"{what} {folder} cannot be created: {existing} is a file, not a folder."
    elif not os.access(existing, os.W_OK | os.X_OK):  # also False on a read-only file system
        where = "" if existing == folder else f" ({existing} is read-only for this user)"
        yield f"{what} {folder} cannot be written{where}: choose another folder or let this user write there."
