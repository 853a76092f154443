"""Guards against a Qt-binding defect met here: PySide6 6.12.0's ``Signal.emit()`` returned ``True``
without a reference, so a live window emitting ~20 signals a second drove Python's ``True`` refcount
to zero within minutes and aborted with "bool_dealloc". 6.11.3 is pinned; this keeps it that way."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    carried = Signal(object)


def test_emitting_signals_keeps_reference_counts_balanced(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter = Emitter()
    received: list[object] = []
    emitter.carried.connect(received.append)
    before_true, before_false = sys.getrefcount(True), sys.getrefcount(False)
    for value in range(2000):
        emitter.carried.emit(value)
    assert len(received) == 2000
    assert abs(sys.getrefcount(True) - before_true) < 50
    assert abs(sys.getrefcount(False) - before_false) < 50
