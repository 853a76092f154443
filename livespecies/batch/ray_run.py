"""``classify --ray [ADDRESS]``: the same classification on a Ray cluster, with Ray Data.

    paths (numbered in input order) ─► ray.data.from_items ─► map_batches(Worker actors) ─► records ─► checkpoint
                                                                                                        │ input order
                                                                                                        ▼
                                                                                         the same outputs as a local run

Each worker actor loads the self-describing ONNX models once and runs them on one onnxruntime thread per CPU it
holds; it reads each photo or clip from its path, so the files must be where the workers can reach them (a
shared path). Records come back as the checkpoint's lossless rows and go into the run's checkpoint, which orders
them and writes every output format exactly as a local run does. A worker that dies is restarted by Ray and its
batch retried. Ray is an optional extra: ``pip install 'livespecies[ray]'``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from livespecies.batch.checkpoint import record_from_row, record_to_row
from livespecies.batch.job import ClassifyJob, record_for
from livespecies.batch.records import ImageRecord
from livespecies.errors import UserError

INSTALL = "Ray is not installed: install the extra with `pip install 'livespecies[ray]'` (Ray 2.60.0)."
BATCH = 4  # photos per call: small, so a failed worker redoes little and progress stays smooth


# The processes of the Ray instance a run starts here, by id: a run killed with SIGKILL cannot stop them, and its
# agents (ray::DashboardAgent, ray::RuntimeEnvAgent) outlive it; the next run stops them by these ids.
LEFT_BEHIND = Path(tempfile.gettempdir()) / f"livespecies-ray-{os.getuid() if hasattr(os, 'getuid') else 'user'}.json"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux): with the pid, it names one process, never a later
    one that reused the number."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _remember_processes() -> None:
    if not Path("/proc").is_dir():
        return
    ids = [(pid, start) for pid in _descendants(os.getpid()) if (start := _start_time(pid)) is not None]
    LEFT_BEHIND.write_text(json.dumps({"driver": [os.getpid(), _start_time(os.getpid())], "processes": ids}))


def stop_left_behind() -> int:
    """Stop the processes an earlier run's Ray instance left behind (still the same processes) once that run is gone;
    how many. A run still going (another terminal) keeps its Ray."""
    try:
        recorded = json.loads(LEFT_BEHIND.read_text())
        (driver, driver_start), ids = recorded["driver"], recorded["processes"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    if driver != os.getpid() and _start_time(driver) == driver_start:
        return 0
    stopped = 0
    for pid, start in ids:
        if _start_time(pid) == start:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                stopped += 1
    LEFT_BEHIND.unlink(missing_ok=True)
    return stopped


def import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise UserError(INSTALL) from None
    return ray


class Worker:
    """One Ray actor: the models, loaded once; ``__call__`` classifies a batch of paths into checkpoint rows."""

    def __init__(self, job: ClassifyJob, threads: int) -> None:
        self.job = job
        self.recognize = job.recognize(job.recognizer(threads))

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        rows = [record_to_row(record_for(Path(str(p)), self.job.decode, self.recognize, None, self.job.clip_rate)) for p in batch["path"]]
        return {"seq": [int(s) for s in batch["seq"]], "record": rows}


def classify_on_ray(numbered: Iterable[tuple[int, Path]], job: ClassifyJob, address: str | None, workers: int | None = None,
                    cpus_per_worker: int = 1) -> Iterator[tuple[int, ImageRecord]]:  # fmt: skip
    """(input position, record) for every path, in whatever order the cluster finishes them.

    ``address`` None starts a Ray instance on this machine; otherwise it is the address of a running cluster
    ("127.0.0.1:6379", or "auto"). ``workers`` defaults to the cluster's CPUs divided by ``cpus_per_worker``, less
    one CPU, which Ray Data needs free for its own tasks (with every CPU held by actors they wait forever)."""
    ray = import_ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")  # the C++ core's warnings would fill the terminal
    host = None if address is None else address.rsplit(":", 1)[0]
    if host is None or host.startswith("127.") or host == "localhost":
        # Ray turns "127.0.0.1" into this machine's address on its default route before connecting; with this
        # setting it keeps the loopback address, so a local run or a loopback cluster sends nothing beyond it.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    items = [{"seq": seq, "path": str(path)} for seq, path in numbered]
    if not items:
        return
    started_here = not ray.is_initialized()
    if started_here:
        quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
        if address is None:
            stop_left_behind()
            # "local": a new instance of our own, even when a cluster already runs here (which ray.init() would join).
            ray.init(address="local", include_dashboard=False, _node_ip_address="127.0.0.1", **quiet)
            _remember_processes()
        else:
            ray.init(address=address, **quiet)
        logging.getLogger("ray").setLevel(logging.ERROR)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = workers or max(1, (cpus - 1) // cpus_per_worker)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        dataset = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), count * 4)))
        results = dataset.map_batches(
            Worker,
            fn_constructor_kwargs={"job": job, "threads": cpus_per_worker},
            batch_size=BATCH,
            compute=ray.data.ActorPoolStrategy(size=count),
            num_cpus=cpus_per_worker,
            # Ray Data's actor pools restart a worker that dies and retry its batch by default (max_restarts and
            # max_task_retries -1); the failure test in tests/batch/test_ray.py holds it to that.
        )
        for row in results.iter_rows():
            yield int(row["seq"]), record_from_row(str(row["record"]))
    finally:
        if started_here:
            ray.shutdown()  # before any cluster is stopped: a driver left connected leaves orphan ray:: processes
            if address is None:
                stop_left_behind()  # whatever the shutdown left
