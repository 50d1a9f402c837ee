"""Teacher-forced log-probabilities of given answers: measures that move before accuracy does.

Greedy answers are coarse: a model can lose much of its confidence in the right label and
still say it. So beside each generated answer, `adcacc infer --teacher-forced` records how
likely the model finds known answers after the same chat prompt and audios:

- retention sets: every allowed label (its spoken form, as the prompt lists it), from which
  adcacc.evals.comparison.compare takes the correct label's log-probability among the labels (`label_logprob`);
- captioning sets: every reference caption (or the own-task row's answer), from which
  adcacc.evals.comparison.compare takes the mean per-token log-likelihood of the references (`ref_loglik`).

An answer is scored as the model was trained to produce it: its tokens followed by the
turn's end token `<|im_end|>`. The prompt runs once per item; its key/value cache is then
shared by all the item's candidates, so scoring 11 labels costs about one prompt pass.
"""
from __future__ import annotations

END_OF_TURN = "<|im_end|>"


def answer_ids(tokenizer, answers: list[str]) -> list[list[int]]:
    """Token ids of each answer as it ends a training row: its text, then `<|im_end|>`."""
    end = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    return [tokenizer(a, add_special_tokens=False)["input_ids"] + [end] for a in answers]


def score_item(model, tokenizer, inputs, answers: list[str]) -> list[tuple[float, int]]:
    """(summed log-probability, token count) of each answer after one item's model `inputs`
    (its chat prompt and audios, as the backend encodes them for generation).

    The prompt is encoded once; its cache is repeated for the answers, which run as one
    right-padded batch (padding sits after every scored token, so it changes no score)."""
    import torch

    ids = answer_ids(tokenizer, answers)
    with torch.inference_mode():
        first = model(**inputs, use_cache=True)
        cache = first.past_key_values
        cache.batch_repeat_interleave(len(ids))
        width = max(len(t) for t in ids)
        cont = torch.zeros(len(ids), width, dtype=torch.long, device=model.device)
        mask = torch.zeros(len(ids), width, dtype=torch.long, device=model.device)
        for row, t in enumerate(ids):
            cont[row, :len(t)], mask[row, :len(t)] = torch.tensor(t), 1
        prompt_mask = inputs["attention_mask"].repeat(len(ids), 1)
        rest = model(input_ids=cont, attention_mask=torch.cat([prompt_mask, mask], dim=1),
                     past_key_values=cache, use_cache=True)
    first_lp = torch.log_softmax(first.logits[0, -1].float(), dim=-1)  # predicts each answer's 1st token
    rest_lp = torch.log_softmax(rest.logits.float(), dim=-1)  # position k predicts token k + 1
    scores = []
    for row, t in enumerate(ids):
        total = first_lp[t[0]] + sum(rest_lp[row, k, t[k + 1]] for k in range(len(t) - 1))
        scores.append((float(total), len(t)))
    return scores
