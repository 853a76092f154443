"""What the soaks and the live bench measure of a process over time: its resident memory and a growth rate.

Imported by the scripts in this folder (``python bench/NAME.py`` puts the folder on the path)."""

from __future__ import annotations

from pathlib import Path


def rss_mb() -> float:
    """This process's resident memory in MB (NaN where /proc has none)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value), per hour."""
    if len(points) < 2:
        return float("nan")
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return 3600 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread if spread else float("nan")
