"""An experiment file: what `adcacc run` builds, trains, evaluates and compares.

The whole file is checked before anything runs: an unknown key, an unknown arm, a missing
recipe or data path, an eval set that does not exist or a seed that is not an integer is
one InputError naming the file and the key, and nothing is written. The format is
documented with a complete example in the README ("Experiments") and in experiments/*.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from common.errors import InputError

ARMS = ("base", "ac", "adc", "acc", "ac_adc", "ac_acc", "ac_matched")
DIRECTIONS = ("greater", "less", "equivalent")
CORPUS_PREFIX = "corpus:"  # eval data inside the experiment's own corpus folder


@dataclass(frozen=True)
class DataSpec:
    corpus: dict[str, Any] | None  # build_corpus options (bases, heldout, seed, cache) or None
    audiocaps: Path | None
    subset: str
    event_dir: Path | None
    build: dict[str, Any]  # build_datasets options (seed, splits, max_bases, ...)


@dataclass(frozen=True)
class ModelSpec:
    id: str | None  # hub id or local folder
    tiny: dict[str, Any] | None  # build_tiny_qwen2_audio options
    pretrain: dict[str, Any] | None  # full fine-tuning of the tiny model before any arm


@dataclass(frozen=True)
class EvalSetSpec:
    name: str  # a key of evals' eval-set registry
    data: str  # a path, or "corpus:<file inside the corpus>"


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


@dataclass(frozen=True)
class Experiment:
    path: Path
    name: str
    out: Path
    data: DataSpec
    model: ModelSpec
    hardware: str
    device: str  # "cpu" adds recipes.spec.CPU_OVERRIDES; "gpu" runs recipes as written
    overrides: dict[str, Any]
    arms: dict[str, dict[str, Any]]  # arm -> its own overrides
    seeds: tuple[int, ...]
    eval_sets: tuple[EvalSetSpec, ...]
    eval_options: dict[str, Any]
    claims: tuple[ClaimSpec, ...] = ()
    missing: tuple[str, ...] = ()  # data paths not found (only when loaded for a dry run)

    @property
    def trained_arms(self) -> list[str]:
        return [a for a in self.arms if a != "base"]


class _Reader:
    """Typed access to a mapping that reports every problem as `file: key.path: problem`."""

    def __init__(self, path: Path, node: Any, where: str, allowed: tuple[str, ...]):
        self.path, self.where = path, where
        if not isinstance(node, dict):
            self.fail(f"must be a mapping, got {type(node).__name__}")
        unknown = sorted(set(node) - set(allowed))
        if unknown:
            self.fail(f"unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}", unknown[0])
        self.node = node

    def fail(self, problem: str, key: str | None = None) -> None:
        at = ".".join(p for p in (self.where, key) if p)
        raise InputError(self.path, f"{at}: {problem}" if at else problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in self.node or self.node[key] is None:
            if required:
                self.fail("is required", key)
            return default
        value = self.node[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(f"must be {_kind_name(kind)}, got {value!r}", key)
        if not isinstance(value, kind):
            self.fail(f"must be {_kind_name(kind)}, got {value!r}", key)
        return value

    def sub(self, key: str, allowed: tuple[str, ...], default: dict | None = None) -> "_Reader | None":
        if self.node.get(key) is None:
            return None if default is None else _Reader(self.path, default, self._at(key), allowed)
        return _Reader(self.path, self.node[key], self._at(key), allowed)

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a mapping",
             bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load_experiment(path: Path, out: Path | None = None, check_paths: bool = True) -> Experiment:
    """Read and fully validate an experiment file (see the module docstring).

    `check_paths=False` (for --dry-run) lists missing data paths in `Experiment.missing`
    instead of refusing the file, so a plan can be read before the data is in place."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "experiment file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError(path, f"not a readable YAML file ({str(err).splitlines()[0]})") from None
    missing: list[str] | None = None if check_paths else []
    top = _Reader(path, raw, "", ("name", "out", "data", "model", "hardware", "device", "overrides",
                                   "arms", "seeds", "eval", "claims"))
    exp = Experiment(
        path=path, name=top.get("name", str, path.stem), out=Path(out or top.get("out", str, f"runs/{path.stem}")),
        data=_data(top, missing), model=_model(top), hardware=top.get("hardware", str, "rtx4090"),
        device=top.get("device", str, "cpu"), overrides=top.get("overrides", dict, {}),
        arms=_arms(top), seeds=_seeds(top), eval_sets=_eval_sets(top, missing),
        eval_options=_eval_options(top), claims=_claims(top), missing=tuple(missing or ()))
    _check_cross_refs(exp, top)
    return exp


def _missing(r: _Reader, key: str, problem: str, missing: list[str] | None) -> None:
    """A missing data path: an error, or (dry run) a note in `missing`."""
    if missing is None:
        r.fail(problem, key)
    missing.append(f"{r._at(key)}: {problem}")


def _data(top: _Reader, missing: list[str] | None) -> DataSpec:
    d = top.sub("data", ("corpus", "audiocaps", "subset", "event_dir", "build"))
    if d is None:
        top.fail("is required", "data")
    corpus = d.sub("corpus", ("bases", "heldout", "seed", "cache"))
    audiocaps, event_dir = d.get("audiocaps", str), d.get("event_dir", str)
    if (corpus is None) == (audiocaps is None):
        d.fail("give either corpus (the embedded corpus) or audiocaps + event_dir")
    if audiocaps is not None and event_dir is None:
        d.fail("is required with audiocaps", "event_dir")
    for key, value in (("audiocaps", audiocaps), ("event_dir", event_dir)):
        if value is not None and not Path(value).expanduser().is_dir():
            _missing(d, key, f"folder not found: {value}", missing)
    build = d.sub("build", ("seed", "splits", "max_bases", "duration_s", "ratio_db", "workers"), {})
    for key, kind in (("seed", int), ("splits", list), ("max_bases", int), ("duration_s", (int, float)),
                      ("ratio_db", list), ("workers", int)):
        build.get(key, kind)
    if corpus is not None:
        corpus.get("bases", int)
        corpus.get("heldout", int)
        corpus.get("seed", int)
        corpus.get("cache", str)
    return DataSpec(corpus=dict(corpus.node) if corpus else None,
                    audiocaps=Path(audiocaps).expanduser() if audiocaps else None,
                    subset=d.get("subset", str, "train"),
                    event_dir=Path(event_dir).expanduser() if event_dir else None, build=dict(build.node))


def _model(top: _Reader) -> ModelSpec:
    m = top.sub("model", ("id", "tiny", "pretrain"))
    if m is None:
        top.fail("is required", "model")
    model_id, tiny = m.get("id", str), m.get("tiny", dict)
    if (model_id is None) == (tiny is None):
        m.fail("give either id (a hub id or local folder) or tiny (a locally built Qwen2-Audio)")
    if m.get("pretrain", dict) is not None and tiny is None:
        m.fail("pretraining is only for a tiny model", "pretrain")
    pretrain = m.sub("pretrain", ("overrides", "retention_repeats"))
    if pretrain is not None:
        pretrain.get("overrides", dict)
        pretrain.get("retention_repeats", int)
    return ModelSpec(id=model_id, tiny=tiny, pretrain=dict(pretrain.node) if pretrain else None)


def _arms(top: _Reader) -> dict[str, dict[str, Any]]:
    node = top.get("arms", (dict, list), required=True)
    if isinstance(node, list):
        node = {a: {} for a in node}
    arms = {}
    for arm, spec in node.items():
        if arm not in ARMS:
            top.fail(f"unknown arm {arm!r}; choose from {', '.join(ARMS)}", "arms")
        r = _Reader(top.path, spec or {}, f"arms.{arm}", ("overrides",))
        arms[arm] = r.get("overrides", dict, {})
    if not [a for a in arms if a != "base"]:
        top.fail("needs at least one trained arm", "arms")
    return arms


def _seeds(top: _Reader) -> tuple[int, ...]:
    seeds = top.get("seeds", list, [0])
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        top.fail(f"must be a non-empty list of integers, got {seeds!r}", "seeds")
    if len(set(seeds)) != len(seeds):
        top.fail(f"repeats a seed: {seeds!r}", "seeds")
    return tuple(seeds)


EVAL_KEYS = ("sets", "batch_size", "max_new_tokens", "limit", "bootstrap")


def _eval_sets(top: _Reader, missing: list[str] | None) -> tuple[EvalSetSpec, ...]:
    e = top.sub("eval", EVAL_KEYS)
    if e is None:
        top.fail("is required", "eval")
    from evals.eval_sets import registry

    names = registry()
    sets = []
    for i, node in enumerate(e.get("sets", list, required=True)):
        s = _Reader(top.path, node, f"eval.sets[{i}]", ("name", "data"))
        name, data = s.get("name", str, required=True), s.get("data", str, required=True)
        if name not in names:
            s.fail(f"unknown eval set {name!r}; choose from {', '.join(names)}", "name")
        if not data.startswith(CORPUS_PREFIX) and not Path(data).expanduser().exists():
            _missing(s, "data", f"data path not found: {data}", missing)
        sets.append(EvalSetSpec(name, data))
    if len({s.name for s in sets}) != len(sets):
        e.fail("lists an eval set twice", "sets")
    return tuple(sets)


def _eval_options(top: _Reader) -> dict[str, Any]:
    e = top.sub("eval", EVAL_KEYS)
    options = {"batch_size": e.get("batch_size", int, 8), "max_new_tokens": e.get("max_new_tokens", int, 64),
               "limit": e.get("limit", int), "bootstrap": e.get("bootstrap", int, 1000)}
    for key, value in options.items():
        if value is not None and value < 1:
            e.fail(f"must be at least 1, got {value}", key)
    return options


def _claims(top: _Reader) -> tuple[ClaimSpec, ...]:
    claims = []
    for i, node in enumerate(top.get("claims", list, [])):
        c = _Reader(top.path, node, f"claims[{i}]",
                    ("id", "text", "metric", "eval_set", "a", "b", "direction", "margin"))
        spec = ClaimSpec(*(c.get(k, str, required=True) for k in
                           ("id", "text", "metric", "eval_set", "a", "b", "direction")),
                         margin=float(c.get("margin", (int, float), 0.0)))
        if spec.direction not in DIRECTIONS:
            c.fail(f"must be one of {', '.join(DIRECTIONS)}", "direction")
        claims.append(spec)
    return tuple(claims)


def _check_cross_refs(exp: Experiment, top: _Reader) -> None:
    from recipes.generate import RECIPE_DIR

    if exp.device not in ("cpu", "gpu"):
        top.fail(f"must be cpu or gpu, got {exp.device!r}", "device")
    for arm in exp.trained_arms:
        recipe = RECIPE_DIR / f"{arm}_{exp.hardware}.yaml"
        if not recipe.is_file():
            top.fail(f"no recipe {recipe.name} for arm {arm!r} (see recipes/qwen2_audio/)", "hardware")
    if exp.model.pretrain is not None and exp.data.corpus is None:
        top.fail("pretraining needs data.corpus (its retention training clips)", "model")
    if any(s.data.startswith(CORPUS_PREFIX) for s in exp.eval_sets) and exp.data.corpus is None:
        top.fail("eval data 'corpus:...' needs data.corpus", "eval")
    from evals.compare import CAPTION_METRICS, RETENTION_METRICS

    sets = {s.name for s in exp.eval_sets} | {"retention", "captioning"}
    for i, c in enumerate(exp.claims):
        if c.metric not in (*CAPTION_METRICS, *RETENTION_METRICS):
            top.fail(f"unknown metric {c.metric!r}; choose from "
                     f"{', '.join((*CAPTION_METRICS, *RETENTION_METRICS))}", f"claims[{i}].metric")
        for key in ("a", "b"):
            if getattr(c, key) not in exp.arms:
                top.fail(f"arm {getattr(c, key)!r} is not in arms", f"claims[{i}].{key}")
        if c.eval_set not in sets:
            top.fail(f"eval set {c.eval_set!r} is not evaluated", f"claims[{i}].eval_set")
