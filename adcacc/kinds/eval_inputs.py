"""The content digest of the clips an inference or baseline stage reads, for its fingerprint."""
from __future__ import annotations

from pathlib import Path

from adcacc.eval_data import own_prefix
from adcacc.stage import Stage


def eval_set_digest(stage: Stage, cache: Path, save: bool, memo: dict) -> str | None:
    """The digest of a user eval set's clips (audio content, ids, references), computed once per
    (eval set, data, limit) in `memo`; None for `corpus:` and `data:` data, which the corpus and
    build stages make (fingerprinted upstream)."""
    from adcacc.common.content_hash import ABSENT
    from adcacc.evals.inference.infer import eval_set_fingerprint
    from adcacc.evals.sets.eval_sets import load_eval_set

    p = stage.params
    if own_prefix(p["data"]):
        return None
    data = Path(p["data"]).expanduser()
    key = (p["eval_set"], str(data), p["limit"])
    if key not in memo:
        memo[key] = (eval_set_fingerprint(load_eval_set(p["eval_set"], data, limit=p["limit"]), None, cache, save)
                     if data.exists() else ABSENT)
    return memo[key]
