"""Faster one-sequence decoding on CPU: the LM's linear layers split their vector products.

Decoding one sequence with the KV cache multiplies a single row by every weight matrix.
MKL runs such a product on one core at about 8 GB/s, while the host's two cores read
16-19 GB/s together. So a single row is multiplied by the two halves of each weight
matrix as one batched matmul, which uses both cores: the halves of the output rows for
nn.Linear ([out, in] weights), the halves of the input for GPT-2's Conv1D ([in, out]
weights, the partial products summed). Measured in benchmarks/results/adiff_generate.md.

Only single-row products on CPU take this path; everything else (training, batches, GPU)
is the stock layer, bit for bit. The split path rounds differently in the last bits,
deterministically.
"""
from __future__ import annotations

import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

SPLIT = 2  # fixed, so results do not depend on the core count; 2 = the cores we measured on


def _one_row(x: torch.Tensor, weight: torch.Tensor, n_in: int, n_split: int) -> bool:
    return (x.numel() == n_in and x.device.type == "cpu" and n_split % SPLIT == 0
            and weight.is_contiguous())


def product_by_output_halves(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor | None:
    """x (one row, any leading shape) @ weight.T for an [out, in] weight; None when this
    path does not apply (several rows, GPU, an odd or non-contiguous weight)."""
    n_out, n_in = weight.shape
    if not _one_row(x, weight, n_in, n_out):
        return None
    # The row as a transposed view (strides (1, n_in)): MKL takes its fast path for this
    # layout, while a contiguous [n_in, 1] column ran 2.5x slower than the stock product.
    column = x.reshape(1, n_in).t().expand(SPLIT, n_in, 1)
    halves = torch.bmm(weight.view(SPLIT, n_out // SPLIT, n_in), column)
    return halves.view(*x.shape[:-1], n_out)


def product_by_input_halves(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor | None:
    """x (one row, any leading shape) @ weight for an [in, out] weight, as the sum of two
    half-length products; None when this path does not apply."""
    n_in, n_out = weight.shape
    if not _one_row(x, weight, n_in, n_in):
        return None
    parts = torch.bmm(x.reshape(SPLIT, 1, n_in // SPLIT), weight.view(SPLIT, n_in // SPLIT, n_out))
    return parts.sum(0).view(*x.shape[:-1], n_out)


class MatVecLinear(nn.Linear):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = product_by_output_halves(x, self.weight)
        if y is None:
            return super().forward(x)
        return y if self.bias is None else y + self.bias


class MatVecConv1D(Conv1D):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = product_by_input_halves(x, self.weight)
        return super().forward(x) if y is None else y + self.bias


def use_matvec_layers(model: nn.Module) -> None:
    """Swap the model's nn.Linear and Conv1D layers for the classes above, in place.

    The new layers hold the very same Parameters, untouched: ties such as GPT-2's LM head
    and embedding stay tied, and state dicts, layouts, the RNG and training are unchanged.
    """
    for name, old in list(model.named_modules()):
        # Built on the meta device: no memory, and no draw from the global RNG (a random
        # init would shift every layer seeded after the LM loads).
        with torch.device("meta"):
            if type(old) is nn.Linear:
                new = MatVecLinear(old.in_features, old.out_features, bias=old.bias is not None)
            elif type(old) is Conv1D:
                new = MatVecConv1D(old.nf, old.weight.shape[0])
            else:
                continue
        new.weight, new.bias = old.weight, old.bias
        new.train(old.training)
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent), child, new)
