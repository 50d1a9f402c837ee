"""Fuzzing `adcacc run`: random experiment files, random existing `--out` contents, random
interruptions. Whatever comes in: exit 0, 2 or 130 (interrupted), never a traceback, nothing
outside `--out` touched, and no file inside it deleted or changed unless the runner's own
records (`.stages/<id>.json`) say it wrote the stage folder holding it.

The stage work itself (corpus, `swift sft`, inference) is replaced by a stand-in that writes a
file into the stage's folder and may be interrupted: these tests are about the runner's
bookkeeping, which must hold whatever the stages do; the real stages run in test_run_smoke.py.
"""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import adcacc.runner
from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.common.owned_dir import BOOKKEEPING
from adcacc.experiment import load_experiment
from adcacc.plan import build_plan
from adcacc.stage import STATES

SMOKE = yaml.safe_load((Path(__file__).resolve().parents[2] / "experiments" / "smoke.yaml").read_text())
ARMS = ("ac", "adc", "acc", "ac_adc", "ac_acc", "ac_matched")
SCALAR = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=6)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=6), inner, max_size=3), max_leaves=5)


class Killed(BaseException):
    """The process died here (SIGKILL): nothing after this point runs, not even `except` blocks of main."""


def _paths(node, prefix=()) -> list[tuple]:
    """Every key path of a nested mapping/list, for picking one to mutate."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*prefix, i))
    return found


@st.composite
def experiments(draw) -> dict:
    """The smoke experiment with a few random edits: a value replaced, a key dropped or added."""
    exp = json.loads(json.dumps(SMOKE))
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(exp)
        path = draw(st.sampled_from(paths))
        parent = exp
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUE)
        elif action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(VALUE)
    return exp


def _quiet(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exp=experiments())
def test_dry_run_accepts_exactly_what_the_run_accepts_and_writes_nothing(exp):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "exp.yaml"
        path.write_text(yaml.safe_dump(exp, allow_unicode=True))
        before = _snapshot(root)
        code, err = _quiet(["run", str(path), "--out", str(root / "out"), "--dry-run"])
        event(f"dry run exit {code}")
        assert code in (0, 2), err
        assert "Traceback" not in err and "--debug" not in err, err
        assert _snapshot(root) == before and not (root / "out").exists()
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and str(path) in err, err
        if code == 0 and load_experiment(path, root / "out", check_paths=False).missing:
            return  # data paths that do not exist: listed by the dry run, refused by the run
        try:  # what the real run checks before it writes anything
            build_plan(load_experiment(path, root / "out"))
            accepted = True
        except InputError:
            accepted = False
        assert accepted == (code == 0), err


NAMES = st.sampled_from(["data", "corpus", "report", "runs", "train", "model", "pretrain", "notes.txt",
                         "x.wav", "base", "s0", "captions-csv"])
TREE = st.dictionaries(st.lists(NAMES, min_size=1, max_size=3).map("/".join), st.binary(max_size=8), max_size=5)


@st.composite
def out_folders(draw) -> dict:
    """What --out holds before the run: nothing, a user's files, another command's folder, or an
    earlier run of ours (a marker, state records with this plan's or other fingerprints)."""
    kind = draw(st.sampled_from(["missing", "empty", "users", "other-tool", "ours"]))
    return {"kind": kind, "tree": draw(TREE), "records": draw(st.lists(st.integers(0, 60), max_size=6)),
            "same_fingerprint": draw(st.booleans())}


def _lay_out(out: Path, spec: dict, stages) -> set[str]:
    """Create --out as `spec` says; returns the stage folders the runner's records cover."""
    if spec["kind"] == "missing":
        return set()
    out.mkdir(parents=True)
    if spec["kind"] == "empty":
        return set()
    for rel, data in spec["tree"].items():
        target = out / rel
        if any(p.is_file() for p in [*target.parents][:-1] if out in p.parents or p == out):
            continue  # a file already stands where a folder would go
        if target.is_dir():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if spec["kind"] == "other-tool":
        (out / ".adcacc-owner.json").write_text('{"tool": "adcacc infer"}')
    recorded = set()
    if spec["kind"] == "ours":
        (out / ".adcacc-owner.json").write_text('{"tool": "adcacc run"}')
        for i in spec["records"]:
            stage = stages[i % len(stages)]
            fp = stage.fingerprint if spec["same_fingerprint"] else "an older experiment"
            stage.state_file.parent.mkdir(parents=True, exist_ok=True)
            stage.state_file.write_text(json.dumps({"id": stage.id, "status": "running", "fingerprint": fp}))
            recorded.add(stage.out.relative_to(out).as_posix())
    return recorded


def _interrupting(at: int, how: str):
    calls = []

    def run_stage(stage, exp, by_id, gpu=None) -> dict:
        calls.append(stage.id)
        stage.out.mkdir(parents=True, exist_ok=True)
        (stage.out / "result.txt").write_text(stage.fingerprint)
        if how != "none" and len(calls) == at:
            raise {"ctrl-c": KeyboardInterrupt(), "bad input": InputError(stage.out, "a bad file"),
                   "kill": Killed()}[how]
        return {"checkpoint": str(stage.out)} if stage.kind in ("train", "pretrain") else {}

    return run_stage


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=out_folders(), at=st.integers(1, 40), how=st.sampled_from(["ctrl-c", "bad input", "kill", "none"]),
       arms=st.lists(st.sampled_from(ARMS), min_size=1, max_size=3, unique=True),
       seeds=st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True))
def test_runner_touches_only_what_its_records_say_it_wrote(spec, at, how, arms, seeds, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "outside.txt").write_text("a neighbour's file")
        exp_file = root / "exp.yaml"
        exp_file.write_text(yaml.safe_dump({**SMOKE, "arms": ["base", *arms], "seeds": seeds, "claims": []}))
        out = root / "out"
        stages = build_plan(load_experiment(exp_file, out))
        recorded = _lay_out(out, spec, stages)
        code, err = _run_checked(root, exp_file, recorded, _interrupting(at, how), monkeypatch)
        event(f"{spec['kind']}, {how}: exit {code}")
        foreign = spec["kind"] == "other-tool" or spec["kind"] == "users" and spec["tree"]
        if foreign:
            assert code == 2 and ("was not made by adcacc run" in err or "holds the output of" in err), err
        if code == 0:
            assert all(json.loads(s.state_file.read_text())["status"] == "done" for s in stages)
        if code != 0 and not foreign:  # rerun the same command: it resumes
            recorded = {s.out.relative_to(out).as_posix() for s in stages if s.state_file.is_file()}
            code, err = _run_checked(root, exp_file, recorded, _interrupting(0, "none"), monkeypatch)
            assert code == 0 or "no record says `adcacc run` wrote it" in err or "where the run needs a folder" in err, err


def _run_checked(root: Path, exp_file: Path, recorded: set[str], run_stage, monkeypatch) -> tuple[int | None, str]:
    """One `adcacc run` (None: killed), checked: exit code, no traceback, and every file that
    changed lies inside a stage folder the runner's records cover."""
    before = _snapshot(root)
    monkeypatch.setattr(adcacc.runner, "run_stage", run_stage)
    try:
        code, err = _quiet(["run", str(exp_file), "--out", str(root / "out")])
    except Killed:
        code, err = None, ""
    assert code in (None, 0, 2, 130), err
    assert "Traceback" not in err and "--debug" not in err, err
    after = _snapshot(root)
    own = (f"{STATES}/", *BOOKKEEPING)  # the runner's records themselves
    for rel, data in before.items():
        if after.get(rel) != data:
            inside = rel[len("out/"):]
            assert rel.startswith("out/") and (inside.startswith(own) or any(
                inside.startswith(r + "/") for r in recorded)), f"{rel} changed without a record"
    return code, err

