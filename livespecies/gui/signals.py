"""SIGTERM and SIGINT close the window the way its close button does: settings saved, snapshots written.

Python runs a signal handler only when the interpreter gets control, which it does not while Qt's event
loop waits in C++. The handler's only job is therefore done by the C side: ``signal.set_wakeup_fd``
writes the signal number to a socket, a ``QSocketNotifier`` wakes the event loop on it, and the window
is closed from there, in the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QWidget

CLOSING_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def closing_on_signals(window: QWidget) -> Iterator[None]:
    """While inside, SIGTERM/SIGINT close ``window`` (in the main thread only, where Python allows it)."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {number: signal.signal(number, lambda *_: None) for number in CLOSING_SIGNALS}
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def wake() -> None:
        try:
            numbers = reader.recv(64)
        except BlockingIOError:
            return
        if any(number in CLOSING_SIGNALS for number in numbers):
            window.close()

    notifier.activated.connect(wake)
    try:
        yield
    finally:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(previous_fd)
        for number, handler in previous.items():
            signal.signal(number, handler)
        reader.close()
        writer.close()
