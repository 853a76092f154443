"""Execution-provider choice: preferences filtered by what this onnxruntime build offers, CPU always last."""

from __future__ import annotations

import pytest

from livespecies.inference.providers import select_providers

CPU, CUDA, COREML = "CPUExecutionProvider", "CUDAExecutionProvider", "CoreMLExecutionProvider"


@pytest.mark.parametrize(
    ("available", "preferred", "expected"),
    [
        ([CPU], "auto", [CPU]),
        ([CUDA, CPU], "auto", [CUDA, CPU]),
        ([CUDA, CPU], "cpu", [CPU]),
        ([COREML, CUDA, CPU], "auto", [CUDA, COREML, CPU]),
        ([CPU], [CUDA], [CPU]),  # a GPU config on a laptop still runs
        ([CUDA, CPU], [CPU, CUDA, CUDA], [CUDA, CPU]),
        ([CUDA, CPU], CUDA, [CUDA, CPU]),
    ],
)
def test_select_providers(available: list[str], preferred: object, expected: list[str]) -> None:
    assert select_providers(available, preferred) == expected  # type: ignore[arg-type]
