"""The stages of an experiment, in order, and when a stage may be skipped.

A stage is done when `OUT/.stages/<id>.json` records status "done" with the stage's current
fingerprint: a hash of its parameters, its upstream stages' fingerprints, the code it runs
and the content of the user data it reads (the build's AudioCaps and event folders, an eval
set's clips and references; hashes cached in OUT/.stages/input_hashes.json by size, mtime and
inode change time). A stage kind's code follows its imports: the source of every module of
ours its entry modules import, directly or through others, lazy imports included
(`adcacc.code_graph`), plus adcacc/stages.py (where its runner is written), the data files it
reads (the recipe YAMLs) and the versions of torch, transformers, ms-swift, peft and
aac-metrics. So a killed run resumes where it stopped, and an edited experiment, edited code
or replaced data reruns exactly what the edit touches.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from adcacc.code_graph import modules, reached
from adcacc.common.content_hash import ABSENT, content_digests
from adcacc.common.files import write_json
from adcacc.evals.sets.eval_sets import OWN_TASK_SETS
from adcacc.experiment import CORPUS_PREFIX, DATA_PREFIX, EvalSetSpec, Experiment, own_prefix
from adcacc.pretraining import pretrain_checkpoint
from adcacc.recipes.spec import HARDWARE

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = {  # stage kind -> the modules whose functions its runner in adcacc/stages.py calls
    "corpus": ("adcacc.data_builders.corpus.build", "adcacc.data_builders.corpus.fetch"),
    "build": ("adcacc.data_builders.datasets",),
    "matched": ("adcacc.data_builders.matched",),
    "model": ("adcacc.recipes.tiny_model", "adcacc.pretraining"),
    "pretrain": ("adcacc.pretraining", "adcacc.recipes.launch"),
    "baseline": ("adcacc.pretraining", "adcacc.evals.sets.eval_sets", "adcacc.evals.inference.infer"),
    "train": ("adcacc.recipes.launch",),
    "infer": ("adcacc.evals.inference.infer",),
    "compare": ("adcacc.evals.comparison.compare", "adcacc.evals.sets.eval_sets", "adcacc.evals.sets.tasks", "adcacc.evals.comparison.verdicts"),
}
# Every runner (its defaults, the swift argv, the preconditions) is written in adcacc/stages.py:
# its own source counts for every kind, its imports do not (they are the other kinds' code).
RUNNERS = "adcacc/stages.py"
DATA = {"train": (("adcacc.recipes", "qwen2_audio"),)}  # (package, folder) a kind reads, not imports: the recipes
OWN_STAGES = {CORPUS_PREFIX: "corpus", DATA_PREFIX: "build"}  # prefixed eval data -> the stage making it
STATES = ".stages"  # OUT/.stages/<id>.json: the runner's record of each stage it ran
TRIVIAL = "trivial"  # the pseudo-arm of trivial baselines (most frequent caption, majority class)
LIBRARIES = ("torch", "transformers", "ms-swift", "peft", "aac-metrics")
INPUT_HASHES = "input_hashes.json"  # under OUT/.stages: the content-hash cache of user data


@dataclass
class Stage:
    id: str  # e.g. "build", "train/acc/s1", "infer/acc/s1/captions-csv"
    kind: str
    needs: tuple[str, ...]
    params: dict[str, Any]
    out: Path
    arm: str | None = None
    seed: int | None = None
    fingerprint: str = ""
    gpus: int = 1  # GPUs one run of it takes (its recipe's processes)

    @property
    def state_file(self) -> Path:
        return self.out_root / STATES / (self.id.replace("/", "__") + ".json")

    out_root: Path = Path(".")


def build_plan(exp: Experiment, save_hashes: bool = False) -> list[Stage]:
    """Every stage of the experiment in an order that respects `needs`, fingerprinted.
    `save_hashes` keeps the input-hash cache for the next run (a dry run writes nothing)."""
    o = exp.out
    stages: list[Stage] = []
    add = stages.append
    if exp.data.corpus is not None:
        add(Stage("corpus", "corpus", (), dict(exp.data.corpus), o / "corpus"))
    build_params = {**exp.data.build, "audiocaps": _s(exp.data.audiocaps), "subset": exp.data.subset,
                    "event_dir": _s(exp.data.event_dir)}
    add(Stage("build", "build", ("corpus",) if exp.data.corpus is not None else (), build_params, o / "data"))
    model_needs: tuple[str, ...] = ()
    pretrain = exp.model.pretrain
    if exp.model.tiny is not None:  # pretraining cuts the vocabulary to the experiment's texts
        add(Stage("model", "model", ("build", "corpus") if pretrain is not None else (),
                  {**exp.model.tiny, "trim_vocab": pretrain is not None}, o / "model"))
        model_needs = ("model",)
    if pretrain is not None:
        checkpoint = pretrain_checkpoint(Path("sft"), pretrain.get("overrides", {})).as_posix()
        # its output is known before it runs: a dry run prints the --model the arms will get
        add(Stage("pretrain", "pretrain", ("model", "build", "corpus"), {**pretrain, "checkpoint": checkpoint},
                  o / "pretrain"))
        model_needs = ("pretrain",)
        for es in exp.eval_sets:  # what a model that ignores the audio would answer
            if es.name not in OWN_TASK_SETS:  # an arm's own task is judged against the base instead
                add(Stage(f"baseline/{es.id}", "baseline", ("pretrain", "corpus"),
                          {"eval_set": es.name, "set_id": es.id, "data": es.data, "limit": set_limit(exp, es)},
                          o / "runs" / TRIVIAL / es.id))
    if any(exp.recipe(arm) == "ac_matched" for arm in exp.arms):
        add(Stage("matched", "matched", ("build", *model_needs), {}, o / "data_matched"))
    # every run also scores the allowed labels / references under teacher forcing: the sensitive
    # measures and the arms' own-task preconditions read them (adcacc.evals.inference.teacher_forcing)
    infer_params = {**{k: exp.eval_options[k] for k in ("batch_size", "max_new_tokens")}, "teacher_forced": True}
    for arm in exp.arms:
        for seed in ((None,) if arm == "base" else exp.seeds):
            run = o / "runs" / arm / (f"s{seed}" if seed is not None else "")
            needs = model_needs
            if seed is not None:
                train_id = f"train/{arm}/s{seed}"
                data_needs = ("matched",) if exp.recipe(arm) == "ac_matched" else ("build",)
                params = {"recipe": exp.recipe(arm), "hardware": exp.hardware, "device": exp.device, "seed": seed,
                          "overrides": {**exp.overrides, **exp.arms[arm]}, "balance": arm in exp.balanced}
                add(Stage(train_id, "train", (*data_needs, *model_needs), params, o / "train" / arm / f"s{seed}",
                          arm, seed, gpus=HARDWARE[exp.hardware].nproc))
                needs = (*model_needs, train_id)
            for es in exp.eval_sets:
                if arm != "base" and exp.recipe(arm) not in OWN_TASK_SETS.get(es.name, (exp.recipe(arm),)):
                    continue  # another arm's own task: only its arms and the base are judged there
                prefix = own_prefix(es.data)
                data_need = (OWN_STAGES[prefix],) if prefix else ()
                add(Stage(f"infer/{arm}/" + (f"s{seed}/" if seed is not None else "") + es.id, "infer",
                          tuple(dict.fromkeys((*needs, *data_need))), {**infer_params, "eval_set": es.name, "set_id": es.id, "data": es.data,
                                                   "limit": set_limit(exp, es)}, run / es.id, arm, seed))
    infer_ids = tuple(s.id for s in stages if s.kind in ("infer", "baseline"))
    claims = [c.__dict__ for c in exp.claims]
    add(Stage("compare", "compare", infer_ids, {"bootstrap": exp.eval_options["bootstrap"], "claims": claims},
              o / "report"))
    _fingerprint(stages, o, _input_digests(stages, o / ".stages" / INPUT_HASHES, save_hashes))
    return stages


def set_limit(exp: Experiment, es: EvalSetSpec) -> int | None:
    """The clips of `es` evaluated: its own limit, capped by eval.limit."""
    limits = [n for n in (es.limit, exp.eval_options["limit"]) if n is not None]
    return min(limits) if limits else None


def _s(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def _input_digests(stages: list[Stage], cache: Path, save: bool) -> dict[str, str]:
    """Stage id -> content digest of the user data it reads: the build's folders, recursively,
    and an eval set's clips (audio content, ids, references); `corpus:` and `data:` data are
    the corpus and build stages' output, fingerprinted upstream. Each file is hashed once (cached) for all stages."""
    from adcacc.evals.inference.infer import eval_set_fingerprint
    from adcacc.evals.sets.eval_sets import load_eval_set

    digests: dict[str, str] = {}
    sets: dict[tuple, str] = {}  # (eval set, data, limit) -> digest: arms x seeds share one
    for st in stages:
        p = st.params
        if st.kind == "build":
            roots = [r for r in (p["audiocaps"], p["event_dir"]) if r is not None]
            digests[st.id] = json.dumps(content_digests(roots, cache, save=save), sort_keys=True)
        elif st.kind in ("infer", "baseline") and not own_prefix(p["data"]):
            data = Path(p["data"]).expanduser()
            key = (p["eval_set"], str(data), p["limit"])
            if key not in sets:
                sets[key] = (eval_set_fingerprint(load_eval_set(p["eval_set"], data, limit=p["limit"]),
                                                  None, cache, save) if data.exists() else ABSENT)
            digests[st.id] = sets[key]
    return digests


def _fingerprint(stages: list[Stage], out_root: Path, inputs: dict[str, str]) -> None:
    by_id: dict[str, Stage] = {}
    for st in stages:
        st.out_root = out_root
        upstream = {n: by_id[n].fingerprint for n in st.needs}
        payload = {"kind": st.kind, "params": st.params, "needs": upstream, "code": code_version(st.kind),
                   "inputs": inputs.get(st.id)}
        st.fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
        by_id[st.id] = st


_CODE_CACHE: dict[str, str] = {}


def code_version(kind: str) -> str:
    """The hash of the code a stage kind runs (`code_digest` of this checkout), once per process."""
    if kind not in _CODE_CACHE:
        _CODE_CACHE[kind] = code_digest(kind, ROOT)
    return _CODE_CACHE[kind]


def code_digest(kind: str, root: Path) -> str:
    """A hash of the source under `root` that a stage kind runs: every module its entry modules
    reach through imports, the runners' file, its data files; and the library versions."""
    mods = modules(root)
    files = {mods[m] for m in reached(ENTRIES[kind], mods)} | {root / RUNNERS}
    for package, rel in DATA.get(kind, ()):
        data_dir = mods[package].parent / rel
        found = {f for f in data_dir.rglob("*") if f.is_file()}
        if not found:
            raise FileNotFoundError(f"{data_dir}: no files to fingerprint the {kind} stages with")
        files |= found
    h = hashlib.sha256()
    for f in sorted(files):
        data = f.read_bytes()
        h.update(f"{f.relative_to(root).as_posix()}\0{len(data)}\0".encode() + data)
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=absent\0".encode())
    return h.hexdigest()


def state(stage: Stage) -> dict | None:
    try:
        return json.loads(stage.state_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def is_done(stage: Stage) -> bool:
    st = state(stage)
    return bool(st) and st.get("status") == "done" and st.get("fingerprint") == stage.fingerprint


def mark(stage: Stage, status: str, **extra: Any) -> None:
    write_json(stage.state_file, {"id": stage.id, "status": status, "fingerprint": stage.fingerprint, **extra})
