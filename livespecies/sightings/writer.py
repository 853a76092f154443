"""Which program wrote a log line or a snapshot: two windows (or a window and a watcher) may share one folder."""

from __future__ import annotations

import os
import socket
from functools import cache


@cache
def writer() -> str:
    """The host name and process id: unique among the programs running at one time, and readable in a log."""
    return f"{socket.gethostname()} pid {os.getpid()}"
