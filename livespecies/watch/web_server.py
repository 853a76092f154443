"""The watcher's read-only web page, made from the config (the token from the environment when one is named)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from livespecies.watch.config import WatchConfig, Web, secret
from livespecies.web import WebServer, create_app, serve


def bound_web(config: WatchConfig, camera_states: Callable[[], list[dict[str, object]]]) -> WebServer:
    """The page's server with its port taken but nothing served yet: the watcher makes it before anything else, so a
    missing token or a port in use is refused before a model loads or a thread starts."""
    web = config.web
    assert web is not None
    token = secret(web.token_env, "The web page's token")
    server = serve(create_app(config.database.path, config.snapshot_folder, camera_states, token), web.address, web.port, token)
    server.bind()
    return server


def page_address(web: Web, server: WebServer) -> str:
    """Where a person opens the page, for the log: an address a browser can use, and how the token goes with it."""
    try:
        everywhere = ipaddress.ip_address(web.address.strip("[]")).is_unspecified
    except ValueError:
        everywhere = web.address == ""
    # 0.0.0.0 or :: is no address to type into a browser: name this machine, which other machines can look up.
    text = f"http://{socket.gethostname()}:{server.port}/ (on every address of this machine)" if everywhere else f"{server.url}/"
    if web.token_env is not None:
        text += f"; open it once with ?token= and the token from ${web.token_env}"
    return text
