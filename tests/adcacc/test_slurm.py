"""--emit-slurm: one script per stage kind, arrays over arms x seeds, chained by afterok,
each element calling the local runner's own stage command (no cluster here to submit to)."""
from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from adcacc.cli import main
from adcacc.common.owned_dir import BOOKKEEPING

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def test_emitted_scripts_cover_every_stage_once(tmp_path):
    out = tmp_path / "slurm"
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(tmp_path / "run"),
                 "--emit-slurm", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir() if p.name not in BOOKKEEPING)
    assert names == ["01_prepare.sbatch", "02_train.sbatch", "03_infer.sbatch", "04_compare.sbatch", "submit.sh"]
    train = (out / "02_train.sbatch").read_text()
    assert "#SBATCH --array=0-5" in train and "#SBATCH --gres=gpu:1" in train  # 6 trained arms, 1 seed
    assert "--stage \"$STAGE\"" in train and "train/ac_matched/s0" in train
    infer = (out / "03_infer.sbatch").read_text()
    assert "#SBATCH --array=0-6" in infer  # base + 6 trained arms, all eval sets per element
    assert "'infer/base/audiocaps infer/base/clotho" in infer
    submit = (out / "submit.sh").read_text()
    assert submit.count("sbatch --parsable") == 4 and "--dependency=afterok:$dep" in submit
    for script in [*out.glob("*.sbatch"), out / "submit.sh"]:  # every script is valid bash
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    hours = [line for line in train.splitlines() if line.startswith("#SBATCH --time=")][0]
    assert hours >= "#SBATCH --time=25:00:00"  # 19.7 GPU-h for AC+ADC x 1.5 slack


def _stubs(folder: Path) -> dict:
    """`sbatch` that runs the script with bash, and an `adcacc` that only echoes: the scripts
    run as a cluster would run them, with nothing trained."""
    folder.mkdir()
    (folder / "sbatch").write_text('#!/bin/bash\nbash "${@: -1}" >/dev/null\necho 1\n')
    (folder / "adcacc").write_text('#!/bin/bash\necho "$@"\n')
    for stub in folder.iterdir():
        stub.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin", "HOME": str(folder)}


def test_values_in_scripts_are_quoted_and_never_run(tmp_path):
    """Case 10: an --out with spaces and `$(...)` is one quoted value everywhere."""
    run = tmp_path / "my run $(touch PWNED)"
    out = tmp_path / "slurm dir"
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(run), "--emit-slurm", str(out)]) == 0
    prepare = (out / "01_prepare.sbatch").read_text()
    sbatch = dict(line[len("#SBATCH "):].split("=", 1) for line in prepare.splitlines()
                  if line.startswith("#SBATCH --") and "=" in line)
    assert shlex.split(sbatch["--output"]) == [f"{run}/slurm/prepare-%A_%a.log"]
    for script in out.iterdir():
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    done = subprocess.run(["bash", str(out / "submit.sh")], env=_stubs(tmp_path / "bin"), cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.rglob("PWNED")) and not (Path.cwd() / "PWNED").exists()


def test_name_that_would_inject_a_command_is_refused(tmp_path, capsys):
    text = (EXPERIMENTS / "paper.yaml").read_text().replace("name: paper", 'name: "x\\ntouch PWNED"')
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    out = tmp_path / "slurm"
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--emit-slurm", str(out)]) == 2
    assert "name: must be 1-64 characters" in capsys.readouterr().err
    assert not out.exists()


def test_emit_slurm_refuses_a_users_folder(tmp_path, capsys):
    user = tmp_path / "u"
    user.mkdir()
    (user / "submit.sh").write_text("my own script")
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(tmp_path / "run"), "--emit-slurm", str(user)]) == 2
    assert "not empty and was not made by adcacc run --emit-slurm" in capsys.readouterr().err
    assert [p.name for p in user.iterdir()] == ["submit.sh"] and (user / "submit.sh").read_text() == "my own script"
