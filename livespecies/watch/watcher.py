"""``livespecies watch CONFIG``: several cameras, unattended, until SIGTERM.

    cameras (capture threads) ──► SharedInference (one thread, the models, fair turns)
        ──► per camera, a Station: motion gate → tracks → SightingsService ──► sinks: SQLite, MQTT
    web page (read-only, reads the database and the cameras' statistics)

The web page's port is taken before anything else, so a port in use or a page
beyond loopback without its token refuses the watcher before a model loads or a
thread starts; a start that fails half-way stops what it started. Startup
closes the sightings a killed predecessor left open; retention runs at
startup and then hourly; MQTT gets statistics every ``STATS_EVERY`` seconds.
Everything is logged through ``logging``, each line naming its camera.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from livespecies.capture.reader import ReconnectPolicy, SourceState
from livespecies.capture.source_spec import parse_source
from livespecies.capture.sources import open_source
from livespecies.inference.assembly import assemble, choose
from livespecies.inference.defaults import default_classifier, default_detector, default_specialists, demo_clip
from livespecies.inference.engine import EngineSettings, Recognizer
from livespecies.inference.species_list import load_species_list
from livespecies.pipeline import LivePipeline
from livespecies.sightings.database import SightingDatabase
from livespecies.sightings.mqtt import MqttSink
from livespecies.sightings.recorder import Recorder
from livespecies.sightings.records import SightingSink
from livespecies.sightings.service import SightingsService
from livespecies.sightings.snapshots import slug
from livespecies.station import Station
from livespecies.watch.config import Camera, WatchConfig
from livespecies.watch.motion import MotionGate
from livespecies.watch.preflight import check_config
from livespecies.watch.scheduler import SharedInference
from livespecies.web import WebServer

log = logging.getLogger("livespecies.watch")
RETENTION_EVERY = 3600.0
STATS_EVERY = 10.0


def load_recognizer(config: WatchConfig) -> Recognizer:
    """One set of models for every camera, with the config's CPU budget as onnxruntime's threads."""
    models = config.models
    classifier = models.classifier or default_classifier()
    detector = None if models.no_detector else (models.detector or default_detector())
    specialists = list(models.specialists) if models.specialists is not None else default_specialists()
    settings = EngineSettings(detector_size=models.detector_size, use_detector=not models.no_detector)
    choice = choose(classifier, detector, specialists, only_fitting_specialists=models.specialists is None)
    return assemble(choice, settings, threads=models.threads or os.cpu_count() or 1)


T = TypeVar("T")


def logged_state(camera: str) -> Callable[[SourceState], None]:
    """What changes a camera's lot goes to the log (each failed attempt is logged by the capture loop, naming it)."""

    def log_state(state: SourceState) -> None:
        if state.status == "failed":
            log.error("%s: %s", camera, state.describe())
        elif state.status == "live":
            log.info("%s: live", camera)

    return log_state


def constant(value: T) -> Callable[[], T]:
    return lambda: value


class Watcher:
    def __init__(self, config: WatchConfig, recognizer: Recognizer | None = None, policy: ReconnectPolicy | None = None,
                 extra_sinks: list[SightingSink] | None = None) -> None:  # fmt: skip
        self.config = config
        self.sinks: list[SightingSink] = []
        self.mqtt: MqttSink | None = None
        self.recorders: list[Recorder] = []
        self.cameras: list[Station] = []
        # The page's port first: taken or refused before a model loads or a thread starts, so a refusal leaves
        # nothing running (threads alive at exit aborted the process: "terminate called without an active exception").
        self.web: WebServer | None = self._web()
        try:
            self._build(recognizer, policy, extra_sinks)
        except BaseException:
            self._release()
            raise

    def _build(self, recognizer: Recognizer | None, policy: ReconnectPolicy | None, extra_sinks: list[SightingSink] | None) -> None:
        config = self.config
        self.recognizer = recognizer or load_recognizer(config)
        self.database = SightingDatabase(config.database.path)
        closed = self.database.close_interrupted()
        if closed:
            log.warning("closed %d sightings left open when the watcher last stopped without ending them", closed)
        self.sinks += [self.database, *(extra_sinks or [])]
        self.mqtt = self._mqtt()
        if self.mqtt is not None:
            self.sinks.append(self.mqtt)
        clip = demo_clip()
        for camera_config in config.cameras:
            species = load_species_list(camera_config.species_list) if camera_config.species_list else None
            changes: dict[str, object] = {"species": species}
            if camera_config.threshold is not None:
                changes["threshold"] = camera_config.threshold
            if camera_config.detector_threshold is not None:
                changes["detector_threshold"] = camera_config.detector_threshold
            recognizer = self.recognizer.with_settings(**changes)
            folder = config.snapshot_folder / slug(camera_config.name)
            recorder = Recorder(self._error_reporter(camera_config.name))
            service = SightingsService(camera_config.name, recorder, self.sinks, constant(folder), constant(camera_config.snapshots.auto),
                                       lambda: self.recognizer.model_ids, gone_after=camera_config.gone_after, max_evidence=0)  # fmt: skip
            self.recorders.append(recorder)
            self.cameras.append(self._station(camera_config, recognizer, service, policy, clip if clip.is_file() else None))
        self.scheduler = SharedInference(self.cameras)

    def _station(self, camera: Camera, recognizer: Recognizer, service: SightingsService, policy: ReconnectPolicy | None,
                 clip: Path | None) -> Station:  # fmt: skip
        """A camera: its stream and reconnects, its tracks (animals do not move between cameras), its motion
        background and its sightings; the models are the shared scheduler's."""
        spec = parse_source(camera.source)
        return Station(camera.name, lambda: open_source(spec, clip), LivePipeline(recognizer), service, constant(recognizer.threshold),
                       gate=MotionGate(camera.motion), policy=policy, on_state=logged_state(camera.name),
                       wake=lambda: self.scheduler.wake.set(), log_as=camera.name)  # fmt: skip

    def _web(self) -> WebServer | None:
        if self.config.web is None:
            return None
        from livespecies.watch.web_server import bound_web

        return bound_web(self.config, self.camera_states)

    def _release(self) -> None:
        """Undo a construction that failed half-way: the port, the writers, the database, MQTT's thread."""
        if self.web is not None:
            self.web.stop()
            self.web = None
        self._close_records()

    def _error_reporter(self, camera: str) -> Callable[[str], None]:
        def report(message: str) -> None:
            log.error("%s: %s", camera, message)
            for watched in self.cameras:
                if watched.name == camera:
                    watched.stats.error(message)

        return report

    def _mqtt(self) -> MqttSink | None:
        if self.config.mqtt is None:
            return None
        from livespecies.watch.alerts import mqtt_sink

        return mqtt_sink(self.config, self.camera_states)

    # ---- running ------------------------------------------------------------------------
    def start(self) -> None:
        """Serve the page, then start the cameras and the shared models; if any of it fails, what started is stopped."""
        try:
            self.retention()
            if self.web is not None:
                from livespecies.watch.web_server import page_address

                self.web.start()
                assert self.config.web is not None
                log.info("web page at %s", page_address(self.config.web, self.web))
            for camera in self.cameras:
                camera.start()
            self.scheduler.start()
        except BaseException:
            self.stop()
            raise
        log.info("watching %d cameras: %s", len(self.cameras), ", ".join(c.name for c in self.cameras))

    def run(self, stop: threading.Event) -> None:
        """Start, then wait until ``stop`` is set (the CLI sets it on SIGTERM/SIGINT), doing the periodic chores."""
        self.start()
        next_retention = time.monotonic() + RETENTION_EVERY
        try:
            while not stop.wait(STATS_EVERY):
                self.database.flush()  # records a full disk refused go in once it has room, even if no animal comes
                if self.mqtt is not None:
                    self.mqtt.publish_stats()
                if time.monotonic() >= next_retention:
                    self.retention()
                    next_retention = time.monotonic() + RETENTION_EVERY
        finally:
            self.stop()

    def retention(self) -> None:
        days = self.config.database.retention_days
        if days is not None:
            removed = self.database.delete_older_than(days)
            if removed:
                log.info("retention: removed %d sightings older than %g days, with their snapshots", removed, days)

    def stop(self) -> None:
        """Cameras first, then the scheduler, then the open sightings are ended and every record written."""
        if self.web is not None:
            self.web.stop()
            self.web = None
        for camera in self.cameras:
            camera.signal_stop()
        for camera in self.cameras:
            camera.stop()
        self.scheduler.stop()
        for camera in self.cameras:
            camera.close()
        self._close_records()

    def _close_records(self) -> None:
        """Every queued write finished, then every sink closed (MQTT's network thread with it); once only."""
        for recorder in self.recorders:
            recorder.close()
        sinks, self.sinks = self.sinks, []
        for sink in sinks:
            try:
                sink.close()
            except Exception as exc:  # closing must go on for the others
                log.error("closing %s failed: %s", type(sink).__name__, exc)

    def camera_states(self) -> list[dict[str, object]]:
        now = time.monotonic()
        return [camera.stats.as_dict(camera.name, now) for camera in self.cameras]


# The camera grid window checks a config with this name; the checks themselves live in preflight.
check_config_files = check_config
