"""Published numbers of the ACC paper ("From Contrast to Commonality", short and long versions).

Table 1 (long version; Table 2 of the short one): Qwen2-Audio-7B fine-tuned on AC / ADC /
ACC, AudioCaps and Clotho; its bottom part (Table 2 of the long version): AC+ADC and
AC+ACC. Table 3: retention accuracy (%) of the original model (Ori) and the AC / ADC / ACC
models. Sources, row by row:
- AudioCaps rows and the AC+ADC / AC+ACC rows: identical in both versions.
- Clotho AC / ADC / ACC rows: the short version. The long version prints the same numbers
  with the four BLEU columns rotated (its BLEU-4 is the short version's BLEU-1, so BLEU-4
  exceeds BLEU-1..3, which BLEU cannot do); the short version's order is monotone.
- Table 3: identical in both versions.
Values are kept as printed even where the paper contradicts itself; `inconsistencies()`
finds those (SPIDEr != (CIDEr-D + SPICE) / 2, ROUGE-L equal to BLEU-1) and the report
flags them next to the number.
"""
from __future__ import annotations

_CAPTION_COLUMNS = ("BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "FENSE", "SPICE", "SPIDEr",
                    "CIDEr-D", "METEOR", "ROUGE-L")
_CAPTION_ROWS = {
    ("AC", "AudioCaps"): (0.3896, 0.2648, 0.1836, 0.1301, 0.7247, 0.2742, 0.7948, 1.3155, 0.2040, 0.3827),
    ("ADC", "AudioCaps"): (0.0825, 0.0309, 0.0144, 0.0051, 0.3442, 0.4480, 0.0688, 0.0927, 0.0422, 0.0949),
    ("ACC", "AudioCaps"): (0.4382, 0.3422, 0.2832, 0.2452, 0.7538, 0.3701, 1.4200, 2.4699, 0.2398, 0.4557),
    ("AC", "Clotho"): (0.1762, 0.0894, 0.0506, 0.0295, 0.5922, 0.1529, 0.2831, 0.4132, 0.1005, 0.1762),
    ("ADC", "Clotho"): (0.0798, 0.0262, 0.0118, 0.0053, 0.3861, 0.0566, 0.0754, 0.0943, 0.0442, 0.0798),
    ("ACC", "Clotho"): (0.1999, 0.1039, 0.0585, 0.0338, 0.5804, 0.1534, 0.2826, 0.4118, 0.1032, 0.1999),
    ("AC+ADC", "AudioCaps"): (0.3361, 0.2195, 0.1450, 0.0976, 0.7033, 0.2392, 0.6434, 1.0475, 0.1815, 0.3478),
    ("AC+ACC", "AudioCaps"): (0.4991, 0.4014, 0.3376, 0.2941, 0.7840, 0.4111, 1.6904, 2.9698, 0.2730, 0.5078),
    ("AC+ADC", "Clotho"): (0.1659, 0.0842, 0.0471, 0.0271, 0.5787, 0.1442, 0.2640, 0.3839, 0.0965, 0.2078),
    ("AC+ACC", "Clotho"): (0.2050, 0.1033, 0.0567, 0.0314, 0.5871, 0.1460, 0.2747, 0.4034, 0.1035, 0.2138),
}
CAPTIONING = {key: dict(zip(_CAPTION_COLUMNS, row)) for key, row in _CAPTION_ROWS.items()}
# Table 3, accuracy as a fraction (the paper prints percentages)
RETENTION = {
    "Ori": {"vsc": 0.9361, "ser": 0.6285, "mic": 0.6550, "mgc": 0.7067},
    "AC": {"vsc": 0.9365, "ser": 0.6503, "mic": 0.5986, "mgc": 0.7097},
    "ADC": {"vsc": 0.8129, "ser": 0.5850, "mic": 0.5933, "mgc": 0.6757},
    "ACC": {"vsc": 0.9300, "ser": 0.6172, "mic": 0.6187, "mgc": 0.7207},
}
# our eval-set names -> the paper's dataset column (only the real benchmarks, never proxies)
# the loaders of the paper's sets, by registry name (runs record it) and by the name a
# loader gives its set (runs made before the registry name was recorded)
PAPER_DATASET = {"audiocaps": "AudioCaps", "audiocaps_test": "AudioCaps", "clotho": "Clotho", "clotho_eval": "Clotho"}
PAPER_RETENTION_SETS = {"vocalsound", "vocalsound_test", "iemocap", "iemocap_4class", "nsynth", "nsynth_test", "gtzan"}
_ARM_ALIASES = {"base": "Ori", "ori": "Ori", "original": "Ori"}


def paper_arm(arm: str) -> str:
    """Our arm name ("acc", "AC+ADC", "base") -> the paper's row name."""
    key = arm.strip()
    return _ARM_ALIASES.get(key.lower(), key.upper().replace(" ", ""))


def caption_value(arm: str, eval_set: str, metric: str) -> float | None:
    dataset = PAPER_DATASET.get(eval_set)
    return CAPTIONING.get((paper_arm(arm), dataset), {}).get(metric) if dataset else None


def retention_value(arm: str, eval_set: str, task: str) -> float | None:
    if eval_set not in PAPER_RETENTION_SETS:
        return None  # proxies and other sets are not the paper's benchmark
    return RETENTION.get(paper_arm(arm), {}).get(task)


def inconsistencies() -> dict[tuple[str, str, str], str]:
    """(row, dataset, metric) -> why the printed value contradicts the paper's own numbers."""
    out = {}
    for (row, dataset), m in CAPTIONING.items():
        implied = (m["CIDEr-D"] + m["SPICE"]) / 2
        if abs(implied - m["SPIDEr"]) > 1e-4:  # 4 printed decimals: rounding moves it < 1e-4
            out[row, dataset, "SPICE"] = (
                f"inconsistent with the paper's own SPIDEr: (CIDEr-D {m['CIDEr-D']:.4f} + SPICE {m['SPICE']:.4f}) / 2 = "
                f"{implied:.4f}, printed SPIDEr {m['SPIDEr']:.4f}; the SPICE that SPIDEr implies is "
                f"{2 * m['SPIDEr'] - m['CIDEr-D']:.4f}")
        if m["ROUGE-L"] == m["BLEU-1"]:
            out[row, dataset, "ROUGE-L"] = (f"equals BLEU-1 ({m['BLEU-1']}) exactly, in both versions of the "
                                            "paper: likely a copied column; kept as printed")
    return out


AUDIOCAPS_OVERLAP = ("Paper, AudioCaps: the paper's fine-tuning pairs were mixed from AudioCaps audio that "
                     "overlaps its AudioCaps test-time audio (it says so itself, Sec. 3.1); ours keep "
                     "test audio out of training, so lower numbers than the paper's are expected.")


def paper_entry(arm: str, eval_set: str, task: str, metric: str) -> dict | None:
    """The paper's number for our (arm, eval set, metric), with its caveats, or None.

    Retention is compared on strict accuracy (answers the model gave in the label
    vocabulary), since the paper's answers were matched to labels, not embedded."""
    row = paper_arm(arm)
    if task == "caption":
        value = caption_value(arm, eval_set, metric)
    else:
        value = retention_value(arm, eval_set, task) if metric == "accuracy_strict" else None
    if value is None:
        return None
    entry = {"row": row, "value": value}
    flag = inconsistencies().get((row, PAPER_DATASET.get(eval_set, ""), metric))
    if flag:
        entry["flag"] = flag
    if PAPER_DATASET.get(eval_set) == "AudioCaps":
        entry["note"] = AUDIOCAPS_OVERLAP
    return entry
