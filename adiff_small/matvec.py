"""Faster one-sequence decoding on CPU: the LM's linear layers split their vector products.

Decoding one sequence with the KV cache multiplies a single row by every weight matrix.
MKL runs such a product on one core at about 8 GB/s (the host's two cores read 16-19 GB/s
together), and reads the transposed, [in, out]-contiguous layout faster than PyTorch's
[out, in]. So the LM's weights are stored [in, out]-contiguous (the layout GPT-2's
Conv1D already has), and a single row is multiplied as two half-length products, one per
core (a batched matmul), then summed. Measured in benchmarks/results/adiff_generate.md.

Only single-row products on CPU take this path; everything else (training, batches, GPU)
is the stock layer. The split changes float rounding in the last bits, deterministically.
"""
from __future__ import annotations

import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

SPLIT = 2  # one half-product per core of the 2-core machines this targets


def split_vector_product(x: torch.Tensor, weight_in_out: torch.Tensor) -> torch.Tensor | None:
    """x (one row, any leading shape) @ weight [in, out] as SPLIT batched partial products;
    None when this path does not apply (several rows, GPU, a layout it cannot view)."""
    n_in, n_out = weight_in_out.shape
    if (x.numel() != n_in or x.device.type != "cpu" or n_in % SPLIT
            or not weight_in_out.is_contiguous()):
        return None
    parts = torch.bmm(x.reshape(SPLIT, 1, n_in // SPLIT),
                      weight_in_out.view(SPLIT, n_in // SPLIT, n_out))
    return parts.sum(0).view(*x.shape[:-1], n_out)


class MatVecLinear(nn.Linear):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = split_vector_product(x, self.weight.t())
        if y is None:
            return super().forward(x)
        return y if self.bias is None else y + self.bias


class MatVecConv1D(Conv1D):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = split_vector_product(x, self.weight)
        return super().forward(x) if y is None else y + self.bias


def use_matvec_layers(model: nn.Module) -> None:
    """Swap the model's nn.Linear and Conv1D layers for the classes above, in place.

    The new layers hold the very same Parameters (ties such as GPT-2's LM head and
    embedding stay tied; state dicts are unchanged); linear weights are re-laid out
    [in, out]-contiguous, which changes strides, not values.
    """
    relaid: set[int] = set()
    for name, old in list(model.named_modules()):
        if type(old) is nn.Linear:
            new = MatVecLinear(old.in_features, old.out_features, bias=old.bias is not None,
                               device="meta")
            if id(old.weight) not in relaid:
                relaid.add(id(old.weight))
                old.weight.data = old.weight.data.t().contiguous().t()
        elif type(old) is Conv1D:
            new = MatVecConv1D(old.nf, old.weight.shape[0])
        else:
            continue
        new.weight, new.bias = old.weight, old.bias
        new.train(old.training)
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent), child, new)
