"""The read-only web page the headless watcher serves: today's sightings, species, cameras, daily summaries.

No Qt here: the page reads the sightings database and the watcher's camera
states, and writes nothing.
"""

from livespecies.web.app import create_app
from livespecies.web.server import WebServer, serve

__all__ = ["WebServer", "create_app", "serve"]
