"""`run_inference` in a model family's own environment (common/model_families.py).

A Qwen-Omni thinker loads only with transformers >= 4.57, which lives in .venv-omni, while the
toolkit runs in .venv; so the runner and `adcacc infer --family` call `run_inference` through
that environment's Python, with the same arguments, as a library call across the boundary:
arguments as JSON on stdin, progress on the shared terminal, and a refused input comes back
as the same one-line error it would be here.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from adcacc.common.errors import InputError, StageFailed


def run_inference_in(python: Path, model: str, eval_set: str, data: Path, out: Path, **options: Any) -> Path:
    """`run_inference(model, eval_set, data, out, **options)` run by `python`; returns `out`."""
    if Path(python) == Path(sys.executable):
        from adcacc.evals.inference.infer import run_inference

        return run_inference(model, eval_set, Path(data), Path(out), **options)
    with tempfile.TemporaryDirectory(prefix="adcacc-infer-") as scratch:
        error = Path(scratch) / "error.json"
        call = {"model": model, "eval_set": eval_set, "data": str(data), "out": str(out), "options": options,
                "error_file": str(error)}
        code = subprocess.run([str(python), "-m", "adcacc.evals.inference.in_env"], input=json.dumps(call),
                              text=True).returncode
        if code != 0 and error.is_file():
            refused = json.loads(error.read_text(encoding="utf-8"))
            raise InputError(refused["path"], refused["problem"], refused["row"])
    if code != 0:
        raise StageFailed(out, f"run_inference in {python} failed (exit {code}); its output is above")
    return Path(out)


def _serve(call: dict[str, Any]) -> int:
    """The child's side: run it; a refused input goes back through `error_file`."""
    from adcacc.evals.inference.infer import run_inference

    options = call["options"]
    if options.get("sessions") is not None:
        options["sessions"] = tuple(options["sessions"])
    try:
        run_inference(call["model"], call["eval_set"], Path(call["data"]), Path(call["out"]), **options)
    except InputError as err:
        Path(call["error_file"]).write_text(json.dumps({"path": err.path, "problem": err.problem, "row": err.row}),
                                            encoding="utf-8")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_serve(json.load(sys.stdin)))
