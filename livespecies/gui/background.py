"""Work off the GUI thread (loading a model takes seconds), with its outcome delivered back to the GUI thread.

``run_in_background`` starts the work in a thread at a lower OS priority and
calls ``on_done(result)`` or ``on_error(message)`` in the GUI thread, through a
queued Qt signal. The window stays responsive and keeps painting video meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from livespecies.errors import UserError
from livespecies.priority import lower_thread_priority

T = TypeVar("T")


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str)


_running: set[_Relay] = set()  # relays stay alive until their work reported (Qt would otherwise drop the signal)


def run_in_background(work: Callable[[], T], on_done: Callable[[T], None], on_error: Callable[[str], None], name: str = "background") -> None:
    relay = _Relay()
    _running.add(relay)

    def finished(result: Any) -> None:
        _running.discard(relay)
        on_done(result)

    def failed(message: str) -> None:
        _running.discard(relay)
        on_error(message)

    relay.done.connect(finished)
    relay.failed.connect(failed)

    def run() -> None:
        lower_thread_priority()
        try:
            result = work()
        except UserError as exc:
            relay.failed.emit(str(exc))
        except Exception as exc:  # a bug must reach the window, not vanish with the thread
            relay.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            relay.done.emit(result)

    threading.Thread(target=run, name=name, daemon=True).start()
