"""An experiment file: what `adcacc run` builds, trains, evaluates and compares.

The whole file is checked before anything runs or is removed, with the same checks the
stages themselves make (the build's settings, the comparison's claims), so `--dry-run`
accepts exactly what a run accepts: an unknown or repeated key, an unknown arm, a missing
recipe or data path, an eval set that does not exist, a seed outside 0..2**32-1, an override
the runner owns or a size out of range, a claim that cannot be judged is one InputError
naming the file and the key, and nothing is written. The format is documented with a
complete example in the README ("Experiments") and in experiments/*.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError
from adcacc.common.vocabulary import ARMS as RECIPE_ARMS
from adcacc.common.vocabulary import BASE
from adcacc.common.yaml_files import read_yaml
from adcacc.config_reader import Reader, as_key
from adcacc.data_builders.datasets import check_seed, check_settings
from adcacc.eval_data import CORPUS_PREFIX, OWN_FOLDERS, own_prefix
from adcacc.model_spec import ModelSpec, read_model
from adcacc.overrides import check_overrides
from adcacc.recipes.generate import recipe_dir

ARMS = (BASE, *RECIPE_ARMS)  # the untuned base, then one arm per recipe
DIRECTIONS = ("greater", "less", "equivalent")
ROLES = ("claim", "control")
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")  # it names Slurm jobs and folders: nothing a shell reads


@dataclass(frozen=True)
class DataSpec:
    corpus: dict[str, Any] | None  # build_corpus options (bases, heldout, pretrain, seed, cache) or None
    audiocaps: Path | None
    subset: str
    event_dir: Path | None
    build: dict[str, Any]  # build_datasets options (seed, splits, max_bases, ...)


@dataclass(frozen=True)
class EvalSetSpec:
    name: str  # a key of evals' eval-set registry
    data: str  # a path, "corpus:<file inside the corpus>" or "data:<file inside the build>"
    id: str = ""  # what stages, folders and claims call it: `name` unless two sets share a loader
    limit: int | None = None  # the first N clips of this set (eval.limit, if set, caps every set)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.name)


@dataclass(frozen=True)
class ClaimSpec:
    id: str
    text: str
    metric: str
    eval_set: str
    a: str
    b: str
    direction: str
    margin: float = 0.0
    role: str = "claim"  # "control": a check that a measure can move (or stay), not a finding


@dataclass(frozen=True)
class Experiment:
    path: Path
    name: str
    out: Path
    data: DataSpec
    model: ModelSpec
    hardware: str
    device: str  # "cpu" adds adcacc.recipes.spec.CPU_OVERRIDES; "gpu" runs recipes as written
    overrides: dict[str, Any]
    arms: dict[str, dict[str, Any]]  # arm -> its own overrides
    seeds: tuple[int, ...]
    eval_sets: tuple[EvalSetSpec, ...]
    eval_options: dict[str, Any]
    claims: tuple[ClaimSpec, ...] = ()
    missing: tuple[str, ...] = ()  # data paths not found (only when loaded for a dry run)
    recipes: dict[str, str] = field(default_factory=dict)  # arm -> recipe, where the arm names another
    balanced: frozenset[str] = frozenset()  # joint arms drawing each of their datasets equally often

    @property
    def trained_arms(self) -> list[str]:
        return [a for a in self.arms if a != "base"]

    def recipe(self, arm: str) -> str:
        """The recipe an arm trains with: its own name, or the `recipe` it names (a control arm
        such as `forget_control: {recipe: adc, overrides: {learning_rate: 0.01}}`)."""
        return self.recipes.get(arm, arm)


def load_experiment(path: Path, out: Path | None = None, check_paths: bool = True) -> Experiment:
    """Read and fully validate an experiment file (see the module docstring).

    `check_paths=False` (for --dry-run) lists missing data paths in `Experiment.missing`
    instead of refusing the file, so a plan can be read before the data is in place."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "experiment file not found")
    raw = read_yaml(path)
    missing: list[str] | None = None if check_paths else []
    top = Reader(path, raw, "", ("name", "out", "data", "model", "hardware", "device", "overrides",
                                   "arms", "seeds", "eval", "claims"))
    name = _name(top)
    exp = Experiment(
        path=path, name=name, out=_out(top, out, name),
        data=_data(top, missing), model=read_model(top), hardware=top.get("hardware", str, "rtx4090"),
        device=top.get("device", str, "cpu"), overrides=check_overrides(top),
        arms=_arms(top), recipes=_arm_field(top, "recipe"), balanced=frozenset(_arm_field(top, "balance")),
        seeds=_seeds(top), eval_sets=_eval_sets(top, missing), eval_options=_eval_options(top),
        claims=_claims(top), missing=tuple(missing or ()))
    _check_cross_refs(exp, top)
    return exp


def _name(top: Reader) -> str:
    name = top.get("name", str, top.path.stem)
    if not NAME.fullmatch(name):
        top.fail(f"must be 1-64 characters from A-Z, a-z, 0-9, '.', '_', '-' (it names Slurm jobs "
                 f"and folders), got {name!r}", "name")
    return name


def _out(top: Reader, out: Path | None, name: str) -> Path:
    """The run folder: --out, else the file's `out`; never the current folder, one above it or
    the home folder (a run fills its folder with corpus/, data/, train/, runs/, report/)."""
    in_file = top.get("out", str, f"runs/{name}")
    value = str(out) if out is not None else in_file
    folder, here = Path(value).expanduser(), Path.cwd()
    problem = None
    if not value.isprintable():
        problem = f"{value!r} holds a control character (a newline, a tab); name a plain folder"
    elif not value.strip() or folder.resolve() in (here, *here.parents, Path.home().resolve()):
        problem = (f"{value!r} is the current folder, one above it or the home folder; a run fills its "
                   f"folder with corpus/, data/, train/, runs/ and report/: give it one of its own, "
                   f"e.g. runs/{name}")
    if problem and out is not None:
        raise InputError("--out", problem)
    if problem:
        top.fail(problem, "out")
    return folder


def _missing(r: Reader, key: str, problem: str, missing: list[str] | None) -> None:
    """A missing data path: an error, or (dry run) a note in `missing`."""
    if missing is None:
        r.fail(problem, key)
    missing.append(f"{r._at(key)}: {problem}")


def _data(top: Reader, missing: list[str] | None) -> DataSpec:
    d = top.sub("data", ("corpus", "audiocaps", "subset", "event_dir", "build"))
    if d is None:
        top.fail("is required", "data")
    corpus = d.sub("corpus", ("bases", "heldout", "pretrain", "seed", "cache"))
    audiocaps, event_dir = d.get("audiocaps", str), d.get("event_dir", str)
    if (corpus is None) == (audiocaps is None):
        d.fail("give either corpus (the embedded corpus) or audiocaps + event_dir")
    if audiocaps is not None and event_dir is None:
        d.fail("is required with audiocaps", "event_dir")
    for key, value in (("audiocaps", audiocaps), ("event_dir", event_dir)):
        if value is not None and not Path(value).expanduser().is_dir():
            _missing(d, key, f"folder not found: {value}", missing)
    build = d.sub("build", BUILD_NAMES, {})
    _check_build(build)
    if corpus is not None:
        _check_corpus(corpus)
    return DataSpec(corpus=dict(corpus.node) if corpus else None,
                    audiocaps=Path(audiocaps).expanduser() if audiocaps else None,
                    subset=d.get("subset", str, "train"),
                    event_dir=Path(event_dir).expanduser() if event_dir else None, build=dict(build.node))


BUILD_NAMES = ("seed", "splits", "max_bases", "duration_s", "ratio_db", "workers")


def _check_build(build: Reader) -> None:
    settings = {k: v for k, v in build.node.items() if v is not None}
    as_key(build, check_settings, **settings, names={k: build._at(k) for k in BUILD_NAMES})


def _check_corpus(corpus: Reader) -> None:
    from adcacc.data_builders.corpus.build import SCENES, check_scene_counts

    corpus.get("cache", str)
    n = {**SCENES, **corpus.node}
    as_key(corpus, check_scene_counts, n["bases"], n["heldout"],
            (corpus._at("bases"), corpus._at("heldout"), corpus._at("pretrain")), n_pretrain=n["pretrain"])
    as_key(corpus, check_seed, n.get("seed", 0), corpus._at("seed"))


def _arms(top: Reader) -> dict[str, dict[str, Any]]:
    node = top.get("arms", (dict, list), required=True)
    if isinstance(node, list):
        if not all(isinstance(a, str) for a in node):
            top.fail(f"must list arm names, got {node!r}", "arms")
        if len(set(node)) != len(node):
            top.fail(f"lists an arm twice: {node!r}", "arms")
        node = {a: {} for a in node}
    arms = {}
    for arm, spec in node.items():
        r = Reader(top.path, spec or {}, f"arms.{arm}", ("overrides", "recipe", "balance"))
        recipe = r.get("recipe", str)
        if r.get("balance", bool) and len(getattr(RECIPE_ARMS.get(recipe or arm), "datasets", ())) < 2:
            r.fail("draws each dataset of a joint recipe (ac_adc, ac_acc) equally often; this arm trains on one",
                   "balance")
        if recipe is None and arm not in ARMS:
            top.fail(f"unknown arm {arm!r}; choose from {', '.join(ARMS)}, or give it a recipe "
                     f"(e.g. {arm}: {{recipe: adc, overrides: {{learning_rate: 0.01}}}})", "arms")
        if recipe is not None and (recipe not in ARMS[1:] or arm in (*ARMS, "trivial") or not NAME.fullmatch(str(arm))):
            r.fail(f"an arm with its own name trains one of the recipes {', '.join(ARMS[1:])} and is not itself "
                   f"one of them (name: 1-64 of A-Z, a-z, 0-9, '.', '_', '-'); got {arm!r} with recipe {recipe!r}",
                   "recipe")
        arms[arm] = check_overrides(r)
    if not [a for a in arms if a != "base"]:
        top.fail("needs at least one trained arm", "arms")
    return arms


def _arm_field(top: Reader, key: str) -> dict[str, Any]:
    """arm -> its `key` (recipe, balance) for the arms that give a true one (checked by _arms)."""
    node = top.get("arms", (dict, list), required=True)
    return {arm: spec[key] for arm, spec in node.items()
            if isinstance(spec, dict) and spec.get(key)} if isinstance(node, dict) else {}


def _seeds(top: Reader) -> tuple[int, ...]:
    seeds = top.get("seeds", list, [0])
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        top.fail(f"must be a non-empty list of integers, got {seeds!r}", "seeds")
    if len(set(seeds)) != len(seeds):
        top.fail(f"repeats a seed: {seeds!r}", "seeds")
    return tuple(as_key(top, check_seed, s, "seeds") for s in seeds)


EVAL_KEYS = ("sets", "batch_size", "max_new_tokens", "limit", "bootstrap")


def _eval_sets(top: Reader, missing: list[str] | None) -> tuple[EvalSetSpec, ...]:
    e = top.sub("eval", EVAL_KEYS)
    if e is None:
        top.fail("is required", "eval")
    from adcacc.evals.cli import MAX_LIMIT
    from adcacc.evals.sets.eval_sets import registry

    names = registry()
    sets = []
    for i, node in enumerate(e.get("sets", list, required=True)):
        s = Reader(top.path, node, f"eval.sets[{i}]", ("name", "data", "id", "limit"))
        name, data = s.get("name", str, required=True), s.get("data", str, required=True)
        set_id, limit = s.get("id", str, name), s.get("limit", int)
        if name not in names:
            s.fail(f"unknown eval set {name!r}; choose from {', '.join(names)}", "name")
        if not NAME.fullmatch(set_id):
            s.fail(f"must be 1-64 characters from A-Z, a-z, 0-9, '.', '_', '-' (it names folders), got {set_id!r}", "id")
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            s.fail(f"must be from 1 to {MAX_LIMIT:,}, got {limit}", "limit")
        if not data.strip():
            s.fail("must name the eval data (a path, corpus:<file> or data:<file>)", "data")
        prefix = own_prefix(data)
        rest = data[len(prefix or ""):]
        if prefix and (not rest or Path(rest).is_absolute() or ".." in Path(rest).parts):
            s.fail(f"{prefix}<file> must name a file inside the experiment's {OWN_FOLDERS[prefix]} folder, "
                   f"got {data!r}", "data")
        if not prefix and not Path(data).expanduser().exists():
            _missing(s, "data", f"data path not found: {data}", missing)
        sets.append(EvalSetSpec(name, data, set_id, limit))
    if len({s.id for s in sets}) != len(sets):
        e.fail("lists an eval set twice (give a second set of the same loader its own id)", "sets")
    return tuple(sets)


def _eval_options(top: Reader) -> dict[str, Any]:
    """Sizes of inference and comparison, bounded as `adcacc infer` / `adcacc compare` bound them."""
    from adcacc.evals.cli import MAX_BATCH_SIZE, MAX_BOOTSTRAP, MAX_LIMIT, MAX_NEW_TOKENS

    e = top.sub("eval", EVAL_KEYS)
    options = {"batch_size": e.get("batch_size", int, 8), "max_new_tokens": e.get("max_new_tokens", int, 64),
               "limit": e.get("limit", int), "bootstrap": e.get("bootstrap", int, 1000)}
    limits = {"batch_size": MAX_BATCH_SIZE, "max_new_tokens": MAX_NEW_TOKENS, "limit": MAX_LIMIT,
              "bootstrap": MAX_BOOTSTRAP}
    for key, value in options.items():
        if value is not None and not 1 <= value <= limits[key]:
            e.fail(f"must be from 1 to {limits[key]:,}, got {value}", key)
    return options


def _claims(top: Reader) -> tuple[ClaimSpec, ...]:
    claims = []
    for i, node in enumerate(top.get("claims", list, [])):
        c = Reader(top.path, node, f"claims[{i}]",
                    ("id", "text", "metric", "eval_set", "a", "b", "direction", "margin", "role"))
        spec = ClaimSpec(*(c.get(k, str, required=True) for k in
                           ("id", "text", "metric", "eval_set", "a", "b", "direction")),
                         margin=float(c.get("margin", (int, float), 0.0)), role=c.get("role", str, "claim"))
        if spec.role not in ROLES:
            c.fail(f"must be one of {', '.join(ROLES)}", "role")
        if spec.direction not in DIRECTIONS:
            c.fail(f"must be one of {', '.join(DIRECTIONS)}", "direction")
        if spec.id in {x.id for x in claims}:
            c.fail(f"repeats claim id {spec.id!r}; each claim needs its own", "id")
        claims.append(spec)
    return tuple(claims)


def _check_cross_refs(exp: Experiment, top: Reader) -> None:
    if exp.device not in ("cpu", "gpu"):
        top.fail(f"must be cpu or gpu, got {exp.device!r}", "device")
    family = exp.model.family
    for arm in exp.trained_arms:
        recipe = recipe_dir(family) / f"{exp.recipe(arm)}_{exp.hardware}.yaml"
        if not recipe.is_file():
            top.fail(f"no recipe {recipe.name} for arm {arm!r} (see recipes/{family}/)", "hardware")
    if exp.model.pretrain is not None and exp.data.corpus is None:
        top.fail("pretraining needs data.corpus (its retention training clips)", "model")
    if any(own_prefix(s.data) == CORPUS_PREFIX for s in exp.eval_sets) and exp.data.corpus is None:
        top.fail("eval data 'corpus:...' needs data.corpus", "eval")
    from adcacc.evals.comparison.compare import CAPTION_METRICS, RETENTION_METRICS
    from adcacc.evals.comparison.verdicts import Claim, check_claim
    from adcacc.evals.sets.eval_sets import SET_TASKS

    sets = {s.id for s in exp.eval_sets} | {"retention", "captioning"}
    tasks = {s.id: SET_TASKS[s.name] for s in exp.eval_sets}
    for i, c in enumerate(exp.claims):
        if c.metric not in (*CAPTION_METRICS, *RETENTION_METRICS):
            top.fail(f"unknown metric {c.metric!r}; choose from "
                     f"{', '.join((*CAPTION_METRICS, *RETENTION_METRICS))}", f"claims[{i}].metric")
        for key in ("a", "b"):
            if getattr(c, key) not in exp.arms:
                top.fail(f"arm {getattr(c, key)!r} is not in arms", f"claims[{i}].{key}")
        if c.eval_set not in sets:
            top.fail(f"eval set {c.eval_set!r} is not evaluated", f"claims[{i}].eval_set")
        try:  # the comparison's own check of the claim, before anything runs
            judged = check_claim(Claim(**c.__dict__), list(exp.arms), tasks)
        except InputError as err:
            top.fail(err.problem, f"claims[{i}]")
        for s in judged:
            caption = tasks[s] == "caption"
            known = CAPTION_METRICS if caption else RETENTION_METRICS
            if c.metric not in known:
                top.fail(f"{c.metric!r} does not fit eval set {s!r} "
                         f"({'captioning' if caption else 'a retention task'}: {', '.join(known)})",
                         f"claims[{i}].metric")
