"""What each stage kind of an experiment does: one library call each (the runner never
re-enters a command line; the one subprocess is `swift sft`, as users run it)."""
from __future__ import annotations

import shlex
from pathlib import Path

from adcacc.common.errors import InputError, StageFailed
from adcacc.common.paths import inside
from adcacc.evals.sets.eval_sets import OWN_TASK_SETS
from adcacc.experiment import ARMS, OWN_FOLDERS, Experiment, own_prefix
from adcacc.plan import TRIVIAL, Stage, state


def model_path(exp: Experiment, by_id: dict[str, Stage]) -> str:
    """The model every arm starts from: a hub id / folder, the tiny model, or its pretraining's
    checkpoint (a path its parameters fix, so a dry run prints the real one)."""
    if "pretrain" in by_id:
        return str(by_id["pretrain"].out / by_id["pretrain"].params["checkpoint"])
    if "model" in by_id:
        return str(by_id["model"].out)
    return str(exp.model.id)


def eval_data(exp: Experiment, data: str) -> Path:
    """The eval data's path: a user path, or a file inside the experiment's corpus or build."""
    prefix = own_prefix(data)
    if prefix:
        return inside(exp.out / OWN_FOLDERS[prefix], data[len(prefix):], f"eval data {data!r}")
    return Path(data).expanduser()


def describe(stage: Stage, exp: Experiment, by_id: dict[str, Stage]) -> str:
    """The call a stage makes, as a person would read it in `--dry-run`."""
    if stage.kind == "train":
        try:
            return shlex.join(["swift", *_train_argv(stage, exp, by_id), "--output_dir", str(stage.out)])
        except FileNotFoundError:  # a balanced arm's row counts, before the build has run
            argv = _train_argv(stage, exp, by_id, count=False)
            return shlex.join(["swift", *argv, "--output_dir", str(stage.out)]) + \
                "  (each dataset then drawn as often as the largest: path#rows)"
    args = ", ".join(f"{k}={v!r}" for k, v in stage.params.items() if k != "claims")
    return {"corpus": "build_corpus", "build": "build_datasets", "matched": "write_matched",
            "model": "build_tiny_qwen2_audio", "pretrain": "swift sft --tuner_type full",
            "baseline": "run_constant",
            "infer": "run_inference", "compare": "compare_experiment"}[stage.kind] + f"({args})"


def _train_argv(stage: Stage, exp: Experiment, by_id: dict[str, Stage], count: bool = True) -> list[str]:
    from adcacc.recipes.launch import balanced_samples, train_argv

    p = stage.params
    data_dir = by_id["matched"].out if p["recipe"] == "ac_matched" else by_id["build"].out
    flags = {**p["overrides"], "seed": p["seed"], "data_seed": p["seed"]}
    samples = balanced_samples(p["recipe"], data_dir) if p.get("balance") and count else None
    return train_argv(p["recipe"], p["hardware"], Path(model_path(exp, by_id)), data_dir, flags,
                      cpu=p["device"] == "cpu", samples=samples)


def run_stage(stage: Stage, exp: Experiment, by_id: dict[str, Stage], gpu: str | None = None) -> dict:
    """Do one stage; returns what the state file records beside the fingerprint."""
    return _RUNNERS[stage.kind](stage, exp, by_id, gpu)


def _corpus(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.data_builders.corpus.build import build_corpus
    from adcacc.data_builders.corpus.fetch import DEFAULT_CACHE

    p = stage.params
    build_corpus(stage.out, cache_dir=Path(p.get("cache") or DEFAULT_CACHE), seed=p.get("seed", 0),
                 n_bases=p.get("bases", 60), n_heldout=p.get("heldout", 40), n_pretrain=p.get("pretrain", 0))
    return {}


def _build(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.data_builders.datasets import build_datasets

    p = dict(stage.params)  # the build options, then where the audio comes from
    sources = {k: p.pop(k) for k in ("audiocaps", "subset", "event_dir")}
    for key in ("splits", "ratio_db"):
        if key in p:
            p[key] = tuple(p[key])
    if "corpus" in by_id:
        corpus = by_id["corpus"].out
        src = {"bases_csv": corpus / "bases.csv", "events_csv": corpus / "events.csv"}
    else:
        src = {k: Path(v) if v is not None and k != "subset" else v for k, v in sources.items()}
    report = build_datasets(stage.out, **src, **p)
    return {"rows": report["rows"]}


def _matched(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from transformers import AutoTokenizer

    from adcacc.data_builders.matched import write_matched

    tokenizer = AutoTokenizer.from_pretrained(model_path(exp, by_id))
    return write_matched(by_id["build"].out, stage.out, lambda text: len(tokenizer(text)["input_ids"]))


def _model(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.pretraining import vocabulary_texts
    from adcacc.recipes.tiny_model import build_tiny_qwen2_audio

    p = dict(stage.params)
    corpus = by_id["corpus"].out if "corpus" in by_id else None
    texts = vocabulary_texts(by_id["build"].out, corpus) if p.pop("trim_vocab") else None
    build_tiny_qwen2_audio(stage.out, **p, texts=texts)
    return {}


def _pretrain(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.pretraining import pretrain_argv, write_pretrain_data
    from adcacc.recipes.launch import last_checkpoint, run_swift

    p = stage.params
    counts = write_pretrain_data(by_id["build"].out, by_id["corpus"].out, stage.out / "data",
                                 p.get("retention_repeats", 2), p.get("captions", "build"),
                                 p.get("edit_phrasing", 0))
    argv = pretrain_argv(by_id["model"].out, stage.out / "data", p.get("overrides", {}))
    env = {"CUDA_VISIBLE_DEVICES": gpu} if gpu is not None else None
    out = run_swift(argv, stage.out / "sft", env)
    checkpoint = stage.out / p["checkpoint"]
    if last_checkpoint(out) != checkpoint:
        raise StageFailed(out / "sft.log", f"swift saved {last_checkpoint(out)}, not {checkpoint}", [])
    return {"checkpoint": str(checkpoint), "rows": counts}


def _baseline(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.evals.inference.infer import most_frequent, run_constant
    from adcacc.evals.sets.eval_sets import SET_TASKS
    from adcacc.pretraining import training_answers

    p = stage.params
    data = eval_data(exp, p["data"])
    task = SET_TASKS[p["eval_set"]]
    answer = most_frequent(training_answers(by_id["pretrain"].out / "data", task))
    name = "trivial: the most frequent training " + ("caption" if task == "caption" else "label")
    run_constant(answer, name, p["eval_set"], data, stage.out, limit=p["limit"], set_name=p["set_id"])
    return {"answer": answer}


def _train(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.recipes.launch import last_checkpoint, run_swift

    env = {"CUDA_VISIBLE_DEVICES": gpu} if gpu is not None else None
    out = run_swift(_train_argv(stage, exp, by_id), stage.out, env)
    return {"checkpoint": str(last_checkpoint(out))}


def _infer(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.evals.inference.infer import run_inference

    p = stage.params
    train = by_id.get(f"train/{stage.arm}/s{stage.seed}")
    adapter = (state(train) or {}).get("checkpoint") if train else None
    if train and not adapter:
        raise InputError(train.state_file, "records no checkpoint; rerun the experiment")
    run_inference(model_path(exp, by_id), p["eval_set"], eval_data(exp, p["data"]), stage.out,
                  adapter=adapter, batch_size=p["batch_size"], max_new_tokens=p["max_new_tokens"],
                  limit=p["limit"], teacher_forced=p["teacher_forced"], set_name=p["set_id"])
    return {}


def gate_claims(exp: Experiment) -> list:
    """Preconditions of the replication, read before any claim.

    The base is worth measuring: on each held-out set it beats the trivial baseline (CIDEr-D
    for captioning, strict accuracy for a retention proxy). Each trained arm learned its own
    task: on every own-task set of its recipe (adcacc.evals.sets.eval_sets.OWN_TASK_SETS) its reference
    log-likelihood (teacher-forced, per row, paired) and its generated answers' CIDEr-D are
    above the base model's. A failed arm precondition voids the claims about that arm. A named
    control arm (`forget_control: {recipe: adc, ...}`) has none: it is built to break things,
    and its own verdicts are the positive controls."""
    from adcacc.evals.comparison.verdicts import Claim
    from adcacc.evals.sets.eval_sets import SET_TASKS
    from adcacc.evals.sets.tasks import CAPTION

    gates = []
    for es in exp.eval_sets:
        if es.name in OWN_TASK_SETS or exp.model.pretrain is None:  # no trivial baseline to beat
            continue
        caption = SET_TASKS[es.name] == CAPTION
        what = "the most frequent training caption" if caption else "the majority training class"
        gates.append(Claim(f"base_beats_trivial_{es.id}", f"The base model beats {what} on {es.id}",
                           "CIDEr-D" if caption else "accuracy_strict", es.id, "base", TRIVIAL, "greater"))
    for arm in (a for a in exp.trained_arms if a in ARMS):  # a named arm is a control: built to break
        for es in exp.eval_sets:
            if exp.recipe(arm) not in OWN_TASK_SETS.get(es.name, ()):
                continue
            for metric, what in (("ref_loglik", "teacher-forced log-likelihood of the held-out answers"),
                                 ("CIDEr-D", "CIDEr-D of its generated answers")):
                gates.append(Claim(f"{arm}_learned_{es.id}_{metric}", f"{arm} beats the base model on its own "
                                   f"task ({es.id}): {what}", metric, es.id, arm, "base", "greater"))
    return gates if "base" in exp.arms else []


def _compare(stage: Stage, exp: Experiment, by_id, gpu) -> dict:
    from adcacc.evals.comparison.compare import compare_experiment
    from adcacc.evals.comparison.verdicts import Claim

    arms: dict[str, list[Path]] = {}
    for arm in exp.arms:
        seeds = [None] if arm == "base" else list(exp.seeds)
        arms[arm] = [exp.out / "runs" / arm / (f"s{s}" if s is not None else "") for s in seeds]
    if "pretrain" in by_id and "base" in arms:
        arms[TRIVIAL] = [exp.out / "runs" / TRIVIAL]
    gates = gate_claims(exp)
    contrasts = [(a, b) for a, b in (("acc", "adc"), ("acc", "ac"), ("acc", "ac_matched"), ("adc", "ac"),
                                     ("ac_acc", "ac_adc")) if a in arms and b in arms]
    claims = [Claim(**c) for c in stage.params["claims"]]
    result = compare_experiment(arms, stage.out, base="base" if "base" in arms else next(iter(arms)),
                                contrasts=contrasts, claims=claims, n_boot=stage.params["bootstrap"], seed=0,
                                gates=gates, eval_sets=[es.id for es in exp.eval_sets])
    return {"verdicts": result["verdicts"], "gates": result["gates"], "void": result["void"]}


_RUNNERS = {"corpus": _corpus, "build": _build, "matched": _matched, "model": _model, "pretrain": _pretrain,
            "baseline": _baseline, "train": _train, "infer": _infer, "compare": _compare}
