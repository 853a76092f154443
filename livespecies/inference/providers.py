"""Choosing onnxruntime execution providers: a pure function with a CPU fallback."""

from __future__ import annotations

from collections.abc import Sequence

CPU = "CPUExecutionProvider"
# In order of preference when the user asks for "auto".
AUTO_ORDER: tuple[str, ...] = ("CUDAExecutionProvider", "CoreMLExecutionProvider", "DmlExecutionProvider", CPU)


def select_providers(available: Sequence[str], preferred: Sequence[str] | str = "auto") -> list[str]:
    """The providers to use, best first, always ending with the CPU.

    ``preferred`` is "auto", "cpu", or an explicit list; names that this
    onnxruntime build does not offer are dropped rather than failing, so a
    config written on a GPU machine still runs on a laptop.
    """
    if isinstance(preferred, str):
        if preferred == "cpu":
            wanted: Sequence[str] = (CPU,)
        elif preferred == "auto":
            wanted = AUTO_ORDER
        else:
            wanted = (preferred,)
    else:
        wanted = preferred
    chosen = [name for name in wanted if name in available and name != CPU]
    return [*dict.fromkeys(chosen), CPU]
