"""--emit-slurm: one script per stage kind, arrays over arms x seeds, chained by afterok,
each element calling the local runner's own stage command (no cluster here to submit to)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from adcacc.cli import main

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def test_emitted_scripts_cover_every_stage_once(tmp_path):
    out = tmp_path / "slurm"
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(tmp_path / "run"),
                 "--emit-slurm", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["01_prepare.sbatch", "02_train.sbatch", "03_infer.sbatch", "04_compare.sbatch", "submit.sh"]
    train = (out / "02_train.sbatch").read_text()
    assert "#SBATCH --array=0-5" in train and "#SBATCH --gres=gpu:1" in train  # 6 trained arms, 1 seed
    assert "--stage \"$STAGE\"" in train and "train/ac_matched/s0" in train
    infer = (out / "03_infer.sbatch").read_text()
    assert "#SBATCH --array=0-6" in infer  # base + 6 trained arms, all eval sets per element
    assert "'infer/base/audiocaps infer/base/clotho" in infer
    submit = (out / "submit.sh").read_text()
    assert submit.count("sbatch --parsable") == 4 and "--dependency=afterok:$dep" in submit
    for script in out.iterdir():  # every script is valid bash
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    hours = [line for line in train.splitlines() if line.startswith("#SBATCH --time=")][0]
    assert hours >= "#SBATCH --time=25:00:00"  # 19.7 GPU-h for AC+ADC x 1.5 slack
