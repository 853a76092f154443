"""Writing snapshots and sighting logs off the caller's thread, in order.

Writing three files with fsync takes tens of milliseconds, more on an SD card
or a network share; the live window must not stall for that. The recorder runs
jobs one after another on its own thread (so a visit's log line always follows
its snapshot) and reports each outcome through callbacks, which the GUI turns
into queued Qt signals. Errors a user can cause (read-only or full folder) come
back as one sentence; nothing already written is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from livespecies.errors import UserError

T = TypeVar("T")


class Recorder:
    def __init__(self, on_error: Callable[[str], None]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")
        self._on_error = on_error

    def submit(self, job: Callable[[], T], on_done: Callable[[T], None] | None = None) -> Future[T]:
        """Run ``job`` after every job submitted before it; report its result or its error."""
        future = self._pool.submit(job)

        def finished(done: Future[T]) -> None:
            error = done.exception()
            if error is None:
                if on_done is not None:
                    on_done(done.result())
            elif isinstance(error, UserError):
                self._on_error(str(error))
            elif isinstance(error, OSError):
                self._on_error(f"Cannot write {getattr(error, 'filename', None) or 'a file'}: {error.strerror or error}.")
            else:
                self._on_error(f"Recording failed: {type(error).__name__}: {error}")

        future.add_done_callback(finished)
        return future

    def close(self) -> None:
        """Finish every queued write, then stop (nothing the user asked to save is dropped)."""
        self._pool.shutdown(wait=True)
