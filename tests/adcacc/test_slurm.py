"""--emit-slurm: one script per stage kind, arrays over arms x seeds, chained by afterok,
each element calling the local runner's own stage command with the interpreter that emitted it;
with --nodes N, each training on N nodes as ms-swift launches them (no cluster here to submit
to: stubs of sbatch, srun and scontrol run the scripts as SLURM would, and a stub interpreter
records what each node was asked to run)."""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from adcacc import slurm
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


JOB = {"SLURM_JOB_ID": "1234", "SLURM_JOB_NODELIST": "gpu-[07-08]"}


def _stubs(folder: Path, monkeypatch) -> dict:
    """`sbatch` that runs the script with bash as job 1234 on gpu-[07-08], `srun` that runs its
    command once per node (SLURM_NODEID 0..N-1), `scontrol` that expands that node list, and
    the interpreter the scripts are emitted with: it only records its arguments and the
    multi-node variables, so the scripts run as a cluster would run them, with nothing trained.
    The PATH holds no `adcacc` or `python`: a script calling anything but the absolute path fails."""
    folder.mkdir()
    exports = " ".join(f"{k}={v}" for k, v in JOB.items())
    stubs = {
        "sbatch": f'#!/bin/bash\n{exports} bash "${{@: -1}}" >/dev/null\necho 1\n',
        "srun": '#!/bin/bash\nn=1\nwhile [[ $1 == --* ]]; do [[ $1 == --nodes=* ]] && n=${1#--nodes=}; shift; done\n'
                'for ((i = 0; i < n; i++)); do SLURM_NODEID=$i "$@" || exit 1; done\n',
        "scontrol": '#!/bin/bash\n[[ "$*" == "show hostnames gpu-[07-08]" ]] && printf "gpu-07\\ngpu-08\\n"\n',
        "python": f'#!/bin/bash\necho "${{NODE_RANK-}}|${{NNODES-}}|${{NPROC_PER_NODE-}}|${{MASTER_ADDR-}}|'
                  f'${{MASTER_PORT-}}|${{MODELSCOPE_CACHE-}} ## $*" >> {shlex.quote(str(folder / "calls"))}\n',
    }
    for name, text in stubs.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    monkeypatch.setattr(slurm, "PYTHON", str(folder / "python"))
    return {"PATH": f"{folder}:/usr/bin:/bin", "HOME": str(folder)}


@pytest.mark.parametrize("nodes", ["1", "2"])
def test_values_in_scripts_are_quoted_and_never_run(tmp_path, monkeypatch, nodes):
    """Case 10: an --out with spaces and `$(...)` is one quoted value everywhere, and the scripts
    run the stage command with the emitting interpreter, on each node of a training."""
    run = tmp_path / "my run $(touch PWNED)"
    out = tmp_path / "slurm dir"
    env = _stubs(tmp_path / "bin", monkeypatch)
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(run), "--emit-slurm", str(out),
                 "--nodes", nodes]) == 0
    prepare = (out / "01_prepare.sbatch").read_text()
    sbatch = dict(line[len("#SBATCH "):].split("=", 1) for line in prepare.splitlines()
                  if line.startswith("#SBATCH --") and "=" in line)
    assert shlex.split(sbatch["--output"]) == [f"{run}/slurm/prepare-%A_%a.log"]
    for script in out.iterdir():
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    done = subprocess.run(["bash", str(out / "submit.sh")], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.rglob("PWNED")) and not (Path.cwd() / "PWNED").exists()
    command = f"-m adcacc run {EXPERIMENTS / 'paper.yaml'} --out {run} --stage "
    seen: dict[str, list[list[str]]] = {}  # stage -> NODE_RANK, NNODES, ..., MODELSCOPE_CACHE of each call
    for line in (tmp_path / "bin" / "calls").read_text().splitlines():
        variables, args = line.split(" ## ")
        assert args.startswith(command)
        seen.setdefault(args[len(command):], []).append(variables.split("|"))
    assert {"build", "matched", "train/ac/s0", "infer/base/audiocaps", "compare"} <= set(seen)
    cache = f"{run}/model_cache/modelscope" if nodes == "2" else ""
    assert seen["build"] == seen["compare"] == seen["infer/base/audiocaps"] == [["", "", "", "", "", cache]]
    on_nodes = [[str(rank), "2", "1", "gpu-07", "21234", cache] for rank in (0, 1)]  # 20000 + job 1234
    assert seen["train/ac/s0"] == (on_nodes if nodes == "2" else [["", "", "", "", "", ""]])


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


def test_a_training_on_several_nodes_launches_as_ms_swift_documents(tmp_path):
    """ms-swift's multi-node launch (examples/train/multi-node): NNODES, NODE_RANK, MASTER_ADDR,
    MASTER_PORT, NPROC_PER_NODE on every node; here one srun task per node, node 0 the first host."""
    out = tmp_path / "slurm"
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(tmp_path / "run"), "--emit-slurm", str(out),
                 "--nodes", "4"]) == 0
    train = (out / "02_train.sbatch").read_text().splitlines()
    assert {"#SBATCH --nodes=4", "#SBATCH --ntasks-per-node=1", "#SBATCH --gres=gpu:1"} <= set(train)
    assert {"export NNODES=4 NPROC_PER_NODE=1", 'HOSTS="$(scontrol show hostnames "$SLURM_JOB_NODELIST")"',
            "export MASTER_ADDR=\"${HOSTS%%$'\\n'*}\""} <= set(train)
    assert any(line.startswith("export MASTER_PORT=") for line in train)
    srun = [line for line in train if "srun" in line]
    assert srun == [f"  srun --nodes=4 --ntasks-per-node=1 --kill-on-bad-exit=1 bash -c 'NODE_RANK=\"$SLURM_NODEID\" "
                    f"exec \"$@\"' node-task {shlex.quote(sys.executable)} -m adcacc run {EXPERIMENTS / 'paper.yaml'} "
                    f"--out {tmp_path / 'run'} --stage \"$STAGE\""]
    for name in ("01_prepare", "03_infer", "04_compare"):  # one node each, reading the same model cache
        text = (out / f"{name}.sbatch").read_text()
        assert "srun" not in text and "--nodes" not in text and "NNODES" not in text
        assert f"CACHE_DEFAULT={tmp_path / 'run' / 'model_cache'}" in text and "export MODELSCOPE_CACHE=" in text
    for script in out.iterdir():
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0


@pytest.mark.parametrize("nodes, problem", [
    ("0", "--nodes: must be a whole number from 1 to 64, got '0'"),
    ("65", "--nodes: must be a whole number from 1 to 64"), ("two", "got 'two'"), ("1.5", "got '1.5'"),
    ("3", "which 3 processes (nodes x NPROC_PER_NODE) cannot share evenly; use a number of processes that "
          "divides 16 (1, 2, 4, 8, 16)"),
])
def test_a_bad_node_count_is_one_line_and_writes_nothing(tmp_path, capsys, nodes, problem):
    out = tmp_path / "slurm"
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(tmp_path / "run"), "--emit-slurm", str(out),
                 "--nodes", nodes]) == 2
    err = capsys.readouterr().err
    assert problem in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_nodes_goes_with_emit_slurm(tmp_path, capsys):
    assert main(["run", str(EXPERIMENTS / "paper.yaml"), "--out", str(tmp_path / "run"), "--nodes", "2"]) == 2
    assert capsys.readouterr().err == "adcacc: error: --nodes goes with --emit-slurm (a run on this machine is one node)\n"
    assert not (tmp_path / "run").exists()
