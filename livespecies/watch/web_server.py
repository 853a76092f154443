"""The watcher's read-only web page, made from the config (the token from the environment when one is named)."""

from __future__ import annotations

from collections.abc import Callable

from livespecies.watch.config import WatchConfig, secret
from livespecies.web import WebServer, create_app, serve


def start_web(config: WatchConfig, camera_states: Callable[[], list[dict[str, object]]]) -> WebServer:
    web = config.web
    assert web is not None
    token = secret(web.token_env, "The web page's token")
    server = serve(create_app(config.database.path, config.snapshot_folder, camera_states, token), web.address, web.port, token)
    server.start()
    return server
