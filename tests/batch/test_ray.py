"""``classify --ray``: a real Ray cluster of two nodes on loopback gives the local run's results, image for image,
and finishes with every image accounted for when a worker is killed mid-run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from livespecies.batch.checkpoint import checkpoint_path
from tests.batch.cli import ROOT, recorded
from tests.batch.cli import classify as run_classify

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
pytestmark = pytest.mark.cluster
# Ray would resolve 127.0.0.1 to this machine's address on its default route; this keeps every connection on loopback.
LOOPBACK = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
ENV = {**os.environ, **LOOPBACK, "PYTHONPATH": str(ROOT)}


def classify(*args: str) -> subprocess.CompletedProcess[str]:
    return run_classify(*args, env=ENV)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A head node and one more node, every one bound to 127.0.0.1, so no traffic leaves loopback."""
    from ray.cluster_utils import Cluster

    os.environ.update(LOOPBACK)
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False})
    nodes.add_node(num_cpus=2, node_ip_address="127.0.0.1")
    nodes.wait_for_nodes()
    try:
        yield nodes.address
    finally:
        if ray.is_initialized():
            ray.shutdown()  # before the nodes go, or their processes are left behind
        nodes.shutdown()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, photos: Path) -> Path:
    root = tmp_path_factory.mktemp("season")
    sources = sorted((photos / "animals").glob("*.webp")) + sorted((photos / "blank").glob("*.webp"))
    for index in range(40):
        folder = root / f"cam{index % 2}"
        folder.mkdir(exist_ok=True)
        shutil.copy(sources[index % len(sources)], folder / f"IMG_{index:04d}.webp")
    (root / "cam1" / "IMG_broken.jpg").write_bytes(b"\xff\xd8\xff not a photo")
    shutil.copy(ROOT / "resources" / "demo" / "demo.mp4", root / "cam0" / "clip.mp4")
    return root


@pytest.fixture(scope="module")
def local_output(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("local") / "out.jsonl"
    done = classify("--json", "--frames", "--output", str(out), str(archive))
    assert done.returncode == 1, done.stderr  # the broken photo
    return out.read_bytes()


def test_a_two_node_cluster_gives_the_local_results_image_for_image(cluster: str, archive: Path, local_output: bytes, tmp_path: Path) -> None:
    out = tmp_path / "ray.jsonl"
    done = classify("--json", "--frames", "--ray", cluster, "--output", str(out), str(archive))
    assert done.returncode == 1, done.stderr
    assert out.read_bytes() == local_output
    csv_local, csv_ray = tmp_path / "local.csv", tmp_path / "ray.csv"
    classify("--csv", "--output", str(csv_local), str(archive / "cam1"))
    classify("--csv", "--ray", cluster, "--output", str(csv_ray), str(archive / "cam1"))
    assert csv_ray.read_bytes() == csv_local.read_bytes()


def _ray_workers() -> list[int]:
    done = subprocess.run(["pgrep", "-f", "ray::MapWorker"], capture_output=True, text=True)
    return [int(pid) for pid in done.stdout.split()]


def test_a_worker_killed_mid_run_is_replaced_and_every_image_is_accounted_for(cluster: str, archive: Path, local_output: bytes,
                                                                              tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "ray.jsonl"
    run = subprocess.Popen([sys.executable, "-m", "livespecies", "classify", "--json", "--frames", "--ray", cluster, "--output", str(out),
                            str(archive)], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while recorded(checkpoint_path(out)) < 4 or not _ray_workers():  # the event: work under way, a worker to kill
        assert run.poll() is None, f"the run ended before a worker could be killed: {run.stderr.read() if run.stderr else ''}"
        assert time.monotonic() < deadline, "no work recorded"
        time.sleep(0.05)
    victim = _ray_workers()[0]
    os.kill(victim, signal.SIGKILL)
    _, errors = run.communicate(timeout=600)
    assert run.returncode == 1, errors  # 1: the broken photo, as in the local run
    assert out.read_bytes() == local_output, "every image once, the same results, after a worker died"


def _agents() -> set[int]:
    done = subprocess.run(["pgrep", "-f", "ray::DashboardAgent|ray::RuntimeEnvAgent"], capture_output=True, text=True)
    return {int(pid) for pid in done.stdout.split()}


def test_a_local_ray_run_killed_with_sigkill_leaves_nothing_after_the_next_run(archive: Path, tmp_path: Path) -> None:
    """SIGKILL leaves Ray's agents of a local instance running; the next --ray run stops them by their ids."""
    before = _agents()
    out = tmp_path / "killed.jsonl"
    run = subprocess.Popen([sys.executable, "-m", "livespecies", "classify", "--json", "--ray", "--output", str(out), str(archive)],
                           cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    while not (_agents() - before):  # the event: the run's own Ray instance is up (its agents exist)
        assert run.poll() is None, "the run ended before its Ray instance could be seen"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    resumed = classify("--json", "--ray", "--resume", "--output", str(out), str(archive))
    assert resumed.returncode == 1, resumed.stderr  # the broken photo
    deadline = time.monotonic() + 60
    while _agents() - before:  # the killed run's agents are stopped; wait for the kernel to reap them
        assert time.monotonic() < deadline, f"left behind: {_agents() - before}"
        time.sleep(0.1)
