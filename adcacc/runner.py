"""`adcacc run`: carry out an experiment's plan, resuming and skipping finished stages.

Stages run in plan order on this process; with GPUs listed, independent trainings run at
once, one per GPU (CUDA_VISIBLE_DEVICES), while the rest of the plan goes on. A failed stage
stops new work, lets running trainings finish, and raises with its log's last lines. On several
nodes (NNODES > 1, `adcacc.nodes`) every node runs the same `--stage` trainings: node 0 as on
one node, the others as workers that only run swift (`_work`).
"""
from __future__ import annotations

import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable

from adcacc.common.errors import InputError
from adcacc.common.owned_dir import owned
from adcacc.experiment import Experiment
from adcacc.nodes import Nodes, this_node
from adcacc.plan import build_plan
from adcacc.stage import STATES, Stage, is_done, mark, state
from adcacc.stage_kinds import run_stage, run_worker, runs_on_nodes, takes_gpu


def schedule(stages: list[Stage], run_one: Callable[[Stage, str | None], None],
             gpus: list[str] | None = None, done: set[str] | None = None) -> None:
    """Run every stage once its `needs` are done: GPU kinds on `stage.gpus` free GPUs from `gpus` (in
    parallel), the others one at a time here. `done` holds ids already finished."""
    done = set(done or ())
    pending = [s for s in stages if s.id not in done]
    free = list(gpus or [])
    running: dict[Future, tuple[Stage, str]] = {}
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=max(1, len(free))) as pool:
        while (pending and failure is None) or running:
            ready = [s for s in pending if all(n in done for n in s.needs)] if failure is None else []
            progressed = False
            for s in ready:
                if gpus and takes_gpu(s):  # trainings run at once, one per listed GPU
                    need = min(s.gpus, len(gpus))  # a multi-GPU recipe (a100x8) takes several
                    if len(free) >= need:
                        gpu = ",".join(free[:need])
                        del free[:need]
                        running[pool.submit(run_one, s, gpu)] = (s, gpu)
                        pending.remove(s)
                        progressed = True
                    continue
                pending.remove(s)
                try:
                    run_one(s, gpus[0] if gpus else None)
                    done.add(s.id)
                except BaseException as err:  # stop new work, let running trainings finish
                    failure = err
                progressed = True
                break  # re-check readiness after each inline stage
            if running and not progressed:
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    s, gpu = running.pop(fut)
                    free.extend(gpu.split(","))
                    if fut.exception() is not None and failure is None:
                        failure = fut.exception()
                    elif fut.exception() is None:
                        done.add(s.id)
            elif not running and not progressed and pending and failure is None:
                stuck = ", ".join(s.id for s in pending[:3])
                raise InputError(None, f"stages {stuck} wait for stages that are not in the plan")
    if failure is not None:
        raise failure


def prepare(stage: Stage) -> None:
    """Before a stage runs: outputs of this fingerprint left by a killed run are kept for the
    stage to resume; older outputs (an edited experiment, older code) are removed, but only
    where the stage's state file records that this runner made them."""
    for folder in (stage.out, *stage.out.parents):
        if folder == stage.out_root:
            break
        if folder.exists() and not folder.is_dir():
            raise InputError(folder, "is a file where the run needs a folder; move it out of the run folder and rerun")
    st = state(stage)
    if st is not None and st.get("fingerprint") == stage.fingerprint or not stage.out.exists():
        return
    if st is None:
        raise InputError(stage.out, f"exists, but no record says `adcacc run` wrote it (no {stage.state_file.name}"
                                    " in .stages/); move it out of the run folder and rerun")
    shutil.rmtree(stage.out)


def run_experiment(exp: Experiment, *, gpus: list[str] | None = None, only: list[str] | None = None,
                   log: Callable[[str], None] = print) -> list[Stage]:
    """Run (or resume) the experiment; `only` runs just those stage ids (their needs must be done).

    The run folder is claimed and locked for the whole run (`adcacc.common.owned_dir`): a second run on
    it is refused, and a folder that is neither empty nor a run folder is never written into. A
    worker node (NODE_RANK > 0) claims nothing: node 0 holds the folder for the training."""
    nodes = this_node()
    if nodes.worker:
        return _work(exp, nodes, only, log)
    with owned(exp.out, "adcacc run", legacy=(STATES,)):
        return _run_claimed(exp, gpus, only, log, nodes)


def _run_claimed(exp: Experiment, gpus: list[str] | None, only: list[str] | None,
                 log: Callable[[str], None], nodes: Nodes) -> list[Stage]:
    stages = build_plan(exp, save_hashes=True)
    by_id = {s.id: s for s in stages}
    chosen, done = _chosen(exp, stages, only, nodes, log)

    def run_one(stage: Stage, gpu: str | None) -> None:
        prepare(stage)
        log(f"[run]  {stage.id}" + (f" on GPU {gpu}" if gpu is not None and takes_gpu(stage) else ""))
        mark(stage, "running")
        start = time.perf_counter()
        extra = run_stage(stage, exp, by_id, gpu if takes_gpu(stage) else None)
        mark(stage, "done", **extra, seconds=round(time.perf_counter() - start, 1))

    schedule(chosen, run_one, gpus, done)
    return chosen


def _work(exp: Experiment, nodes: Nodes, only: list[str] | None, log: Callable[[str], None]) -> list[Stage]:
    """Node rank > 0: swift for each `--stage` training not yet done, and nothing else. Node 0 holds
    the run folder's lock and alone deletes, renames and records; this node only reads the plan and
    the records, so it never meets that lock, and a killed job resumes as on one node (node 0
    starts the training over, the others join it; a finished one is skipped on every node)."""
    stages = build_plan(exp)  # the input-hash cache is node 0's to save
    by_id = {s.id: s for s in stages}
    chosen, done = _chosen(exp, stages, only, nodes, log)
    for stage in (s for s in chosen if s.id not in done):
        log(f"[run]  {stage.id} as worker node {nodes.rank} of {nodes.count}")
        run_worker(stage, exp, by_id)
    return chosen


def _chosen(exp: Experiment, stages: list[Stage], only: list[str] | None, nodes: Nodes,
            log: Callable[[str], None]) -> tuple[list[Stage], set[str]]:
    """The stages to run (`only`'s, their needs done; on several nodes, trainings named by
    --stage only) and the ids already done, logging those skipped."""
    by_id = {s.id: s for s in stages}
    done = {s.id for s in stages if is_done(s)}
    if only:
        unknown = [i for i in only if i not in by_id]
        if unknown:
            raise InputError(exp.path, f"no stage {unknown[0]!r} in this experiment (see --dry-run)")
        for i in only:
            missing = [n for n in by_id[i].needs if n not in done and n not in only]
            if missing:
                raise InputError(exp.path, f"stage {i} needs {missing[0]}, which is not done; run it first")
        stages = [by_id[i] for i in only]
    if nodes.count > 1 and not only:
        raise InputError(None, f"NNODES={nodes.count}: every node runs the trainings --stage names (as the "
                               "scripts of --emit-slurm --nodes do); add --stage")
    alone = [s.id for s in stages if nodes.count > 1 and not runs_on_nodes(s)]
    if alone:
        raise InputError(None, f"stage {alone[0]} runs on one node; run it with NNODES unset (only "
                               "trainings run on several nodes)")
    for s in stages:
        if s.id in done:
            log(f"[skip] {s.id}: done, inputs unchanged")
    return stages, done
