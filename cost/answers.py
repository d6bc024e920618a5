"""Answers to the questions model code asks of a meta tensor's values, for the reference input.

A meta tensor has shapes but no values, so ``bool(mask.all())`` raises ("Tensor.item() cannot be called on meta
tensors") and the forward pass would fall back to analytic FLOPs. Most such questions in transformers' code are
checks on the input: is every position of the padding mask set (``padding_mask.all()``: the SDPA mask may be
skipped), are the position ids one sequence rather than several packed ones (``(mask[:, -1] == 0).all()``), is a
pad token at either end of ``input_ids`` (``pad_token_id in input_ids[:, [-1, 0]]``, which is ``.any()``: a
warning). The reference input is one sequence, unpadded, unpacked, with no special tokens, so these have one
answer: ``all`` is True, ``any`` is False. Exactly that is answered: the value of a one-element meta tensor made by
``aten.all`` or ``aten.any`` (read by ``bool()``/``.item()``). Every other value read (``.item()`` of a sum or a
maximum, ``nonzero``, ``tolist``) still raises, and the FLOPs are counted analytically with that reason.
"""

from __future__ import annotations

import re
from typing import Any

import torch

_ALL_ANY = {torch.ops.aten.all: True, torch.ops.aten.any: False}

# What PyTorch says when model code reads a meta tensor's values (``.item()``, ``nonzero``, ``unique_consecutive``,
# which need the values to know their result or its shape).
VALUE_READ_ERROR = re.compile(r"cannot be called on meta tensors|with Meta tensors|function for torch\.nonzero\(\)")
_READ = torch.ops.aten._local_scalar_dense.default


def answer_for(func: Any) -> bool | None:
    """The answer a one-element result of ``func`` stands for (None: not an ``all``/``any``)."""
    return _ALL_ANY.get(func.overloadpacket)


def is_value_read(func: Any, args: tuple[Any, ...]) -> bool:
    """``func`` reads the value of a meta tensor (``.item()``, ``bool()``)."""
    return func is _READ and isinstance(args[0], torch.Tensor) and args[0].device.type == "meta"
