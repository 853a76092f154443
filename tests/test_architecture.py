"""The layering rules, checked with import-linter (contracts in pyproject.toml):
the program never imports torch or the training package, and Qt stays in the GUI package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout


def test_engine_runs_without_torch_installed_in_the_process() -> None:
    """Import the whole engine and run it with torch made unimportable."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from livespecies.inference.defaults import default_classifier, default_detector\n"
        "from livespecies.inference.assembly import ModelChoice, assemble\n"
        "from livespecies.inference.engine import EngineSettings, Recognizer\n"
        "import numpy as np\n"
        "r = assemble(ModelChoice(default_classifier(), default_detector()), EngineSettings())\n"
        "print(r.recognize(np.zeros((120, 160, 3), np.uint8)).predictions)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "()"
