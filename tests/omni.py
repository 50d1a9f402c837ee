"""What the Omni family's tests share: its environment (.venv-omni, transformers 4.57, which the
suite's .venv cannot import) and the tiny models, built once per test session."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OMNI = ROOT / ".venv-omni" / "bin"


def tiny_omni_dir(tmp_path_factory: pytest.TempPathFactory, family: str) -> Path:
    """The tiny model of `family` (adcacc.recipes.tiny_omni, run with the Omni environment's
    Python) in the session's temp folder: the first call builds it, later ones reuse the build."""
    if not (OMNI / "python").is_file():
        pytest.fail(f"{OMNI.parent} is missing: run `bash scripts/setup.sh`, which builds it")
    out = tmp_path_factory.getbasetemp() / f"tiny_{family}"
    subprocess.run([str(OMNI / "python"), "-m", "adcacc.recipes.tiny_omni", str(out), "--family", family],
                   check=True, timeout=600, cwd=ROOT)
    return out
