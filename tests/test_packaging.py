"""What `pip install` puts on sys.path: only the import name `adcacc` (issue 23). The checkout's
top-level folders (common/, evals/, recipes/, ...) install as adcacc.common, adcacc.evals, ...,
so a distribution that owns `common` or `evals` can be installed beside us."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from adcacc.code_graph import PACKAGES

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _shipped_folders() -> set[str]:
    """Import name of every folder under our packages that holds code or data files."""
    names = set()
    for name, folder in PACKAGES.items():
        for d in [ROOT / folder, *(p for p in (ROOT / folder).rglob("*") if p.is_dir())]:
            if d.name != "__pycache__" and any(f.is_file() for f in d.iterdir()):
                names.add(".".join((name, *d.relative_to(ROOT / folder).parts)))
    return names


def test_pyproject_ships_every_folder_under_our_import_name():
    assert set(PYPROJECT["packages"]) == _shipped_folders()
    mapped = {name: folder for name, folder in PYPROJECT["package-dir"].items()}
    assert mapped == {name: folder for name, folder in PACKAGES.items() if name != "adcacc"}
    assert all(name == "adcacc" or name.startswith("adcacc.") for name in PYPROJECT["packages"])


def _run(cmd: list, **kw) -> str:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installs_beside_a_distribution_that_owns_common(tmp_path):
    """Build our wheel, install it (no deps: they come from this environment's site-packages)
    into a clean venv beside a package named `common`; both import, and the runner's dry run
    works from the installed wheel (its fingerprints walk the nested layout)."""
    other = tmp_path / "other"
    (other / "common").mkdir(parents=True)
    (other / "common" / "__init__.py").write_text("OWNER = 'someone else'\n")
    (other / "pyproject.toml").write_text('[project]\nname = "someone-common"\nversion = "1.0"\n'
                                          '[tool.setuptools]\npackages = ["common"]\n')
    src = tmp_path / "src"  # setuptools builds inside the source tree: a copy keeps ours clean
    for folder in PACKAGES.values():
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    for tree in (src, other):
        _run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, tree])
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "deps.pth").write_text("\n".join(deps) + "\n")
    _run([*pip, "--python", py, "install", "-q", "--no-deps", *sorted(wheels.glob("*.whl"))])
    check = ("import common, adcacc.common.files, adcacc.evals.comparison.compare, adcacc.recipes.generate as g;"
             "assert common.OWNER == 'someone else';"
             "assert (g.recipe_dir('qwen2_5_omni') / 'acc_rtx4090.yaml').is_file();"
             "print(adcacc.evals.comparison.compare.__file__)")
    where = _run([py, "-c", check], cwd=tmp_path)
    assert where.startswith(str(site / "adcacc" / "evals")), where
    plan = _run([venv / "bin" / "adcacc", "run", ROOT / "experiments" / "demo.yaml", "--dry-run",
                 "--out", tmp_path / "demo"], cwd=tmp_path)
    assert "pretrain" in plan and not (tmp_path / "demo").exists()
