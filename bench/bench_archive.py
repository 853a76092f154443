"""Benchmark: an archive run, one process against the parallel local run and Ray clusters of 1 and 2 nodes.

    python bench/bench_archive.py [--folder DIR_OF_JPEGS] [--copies 2]

Runs ``livespecies classify --json --output FILE`` as a user does, on the same folder of 1920×1080 JPEGs made
from the real photos (as ``bench_classify.py`` makes them, repeated ``--copies`` times), and reports images/s
from launch to the finished output (model loading, Ray start-up and the final write included) and from the run's
own summary (after the models are loaded), each as a ratio to one process:

* one process: one photo at a time (``--jobs 1``, two-thread model sessions), the loop before issue 11;
* the parallel local run: a photo per core (the default);
* Ray with 1 node (a head node with this machine's CPUs) and with 2 nodes (a head with 1 CPU and a second
  node with this machine's CPUs), started with ``ray.cluster_utils.Cluster`` on 127.0.0.1.

On one machine the nodes share its cores, so the 2-node figure measures Ray's overhead, not a speed-up.
Numbers only; compare ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_classify import make_1080p_jpegs  # noqa: E402

LOOPBACK = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def run(folder: Path, out: Path, *extra: str) -> tuple[float, float, int]:
    """(wall seconds, images/s by the run's summary, images)."""
    env = {**os.environ, **LOOPBACK, "PYTHONPATH": str(ROOT)}
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "livespecies", "classify", "--json", "--output", str(out), *extra, str(folder)],
                          capture_output=True, text=True, env=env, cwd=ROOT)  # fmt: skip
    wall = time.monotonic() - began
    match = re.search(r"Classified (\d+) images? in [\d.]+ s \(([\d.]+) images/s\)", done.stderr)
    if done.returncode not in (0, 1) or match is None:
        raise RuntimeError(f"classify failed: {done.stderr[-800:]}")
    return wall, float(match.group(2)), int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="folder of JPEGs (default: 1080p frames made from tests/data/photos)")
    parser.add_argument("--copies", type=int, default=2, help="how many times the made frames are repeated (default 2)")
    args = parser.parse_args()
    os.environ.update(LOOPBACK)
    from ray.cluster_utils import Cluster

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = args.folder
        if folder is None:
            folder = tmp / "archive"
            folder.mkdir()
            made = make_1080p_jpegs(tmp)
            for copy in range(args.copies):
                for path in made:
                    (folder / f"{copy}_{path.name}").write_bytes(path.read_bytes())
        figures: dict[str, tuple[float, float, int]] = {}
        figures["one process (--jobs 1)"] = run(folder, tmp / "one.jsonl", "--jobs", "1")
        figures[f"parallel local run ({cores} jobs, default)"] = run(folder, tmp / "local.jsonl")
        for nodes in (1, 2):
            head = {"num_cpus": cores if nodes == 1 else 1, "node_ip_address": "127.0.0.1", "include_dashboard": False}
            cluster = Cluster(initialize_head=True, head_node_args=head)
            if nodes == 2:
                cluster.add_node(num_cpus=cores, node_ip_address="127.0.0.1")
            cluster.wait_for_nodes()
            try:
                figures[f"Ray, {nodes} node{'s' if nodes > 1 else ''}"] = run(folder, tmp / f"ray{nodes}.jsonl", "--ray", cluster.address)
            finally:
                cluster.shutdown()
        same = all((tmp / name).read_bytes() == (tmp / "one.jsonl").read_bytes() for name in ("local.jsonl", "ray1.jsonl", "ray2.jsonl"))
    base_wall, base_rate, images = figures["one process (--jobs 1)"]
    print(f"{images} images of 1920x1080 on {cores} cores; outputs identical across runs: {same}")
    print(f"{'run':38s} {'wall s':>8s} {'images/s (wall)':>16s} {'ratio':>6s} {'images/s (run)':>15s} {'ratio':>6s}")
    for name, (wall, rate, count) in figures.items():
        print(f"{name:38s} {wall:8.1f} {count / wall:16.2f} {base_wall / wall:6.2f} {rate:15.2f} {rate / base_rate:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
