"""One station per source: capture, the newest-frame slot, the live pipeline, an optional motion gate, the
sightings and one statistics object, without Qt. The watcher runs N stations behind its shared scheduler; the
window drives one through a thin Qt adapter (``gui/live_session.py``)."""

from livespecies.station.station import NO_VIDEO, Station, StationStep
from livespecies.station.stats import StationStats

__all__ = ["NO_VIDEO", "Station", "StationStats", "StationStep"]
