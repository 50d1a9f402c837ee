"""The stages of an experiment, in order, and the fingerprint that says when one may be skipped.

A stage is done when `OUT/.stages/<id>.json` records status "done" with the stage's current
fingerprint (`adcacc.stage`): a hash of its parameters, its upstream stages' fingerprints, the
code it runs and the content of the user data it reads (the build's AudioCaps and event folders,
an eval set's clips and references; hashes cached in OUT/.stages/input_hashes.json by size,
mtime and inode change time). A stage kind's code follows its imports: the source of its module
in adcacc/kinds/ and of every module of ours that module imports, directly or through others,
lazy imports included (`adcacc.code_graph`), the data files it reads (the recipe YAMLs) and the
versions of torch, transformers, ms-swift, peft and aac-metrics. So a killed run resumes where
it stopped, and an edited experiment, edited code or replaced data reruns exactly what the edit
touches.
"""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from adcacc.code_graph import modules, reached
from adcacc.experiment import Experiment
from adcacc.stage import STATES, Stage
from adcacc.stage_kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("torch", "transformers", "ms-swift", "peft", "aac-metrics")
INPUT_HASHES = "input_hashes.json"  # under OUT/.stages: the content-hash cache of user data


def build_plan(exp: Experiment, save_hashes: bool = False) -> list[Stage]:
    """Every stage of the experiment, kind by kind in `KINDS` order (which respects `needs`),
    fingerprinted. `save_hashes` keeps the input-hash cache for the next run (a dry run writes nothing)."""
    stages: list[Stage] = []
    for kind in KINDS.values():
        stages += kind.plan(exp, stages)
    _fingerprint(stages, exp.out, _input_digests(stages, exp.out / STATES / INPUT_HASHES, save_hashes))
    return stages


def _input_digests(stages: list[Stage], cache: Path, save: bool) -> dict[str, str]:
    """Stage id -> content digest of the user data it reads (its kind's `inputs`); each file is
    hashed once (cached) for all stages, each eval set once for all arms and seeds."""
    digests: dict[str, str] = {}
    memo: dict = {}
    for st in stages:
        inputs = getattr(KINDS[st.kind], "inputs", None)
        digest = inputs(st, cache, save, memo) if inputs else None
        if digest is not None:
            digests[st.id] = digest
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
    """A hash of the source under `root` that a stage kind runs: its module in adcacc/kinds/ and
    every module that reaches through imports, its data files; and the library versions."""
    mods = modules(root)
    files = {mods[m] for m in reached([f"adcacc.kinds.{kind}"], mods)}
    for package, rel in getattr(KINDS[kind], "DATA", ()):
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
