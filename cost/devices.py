"""Model code that makes tensors on the CPU and meets the meta tensors with them, on the meta device.

Some model code makes tensors without a device (``torch.arange(n)``: the CPU), or on the device of an input the
reference gives as a CPU tensor because the model reads its values (an image's patch grid, ``grid_thw``: the vision
towers of Qwen2.5-VL, Qwen3-VL, GLM-4V lay out their rotary positions from it). Where such a tensor meets a meta
tensor in an op, the op raises a device mismatch. :func:`meta_retry` runs the forward pass again, and every op whose
arguments hold both meta and CPU tensors runs with copies of those CPU tensors on the meta device (the CPU tensors
themselves stay as they are for the model's other uses): its shapes, hence its FLOPs, are those it has on the CPU,
and the values read before (the grid's) were the CPU's. Moved before the op rather than after a failure, so that a
composite op is never half counted twice. Ops on CPU tensors alone run as they are: tensors the model makes for
values it reads (Qwen2.5-VL's window index, computed from the grid) stay on the CPU, where a meta default device
would take their values away.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map

# what PyTorch says when an op meets tensors on different devices
DEVICE_MISMATCH = re.compile(r"expected device|same device|on device cpu|device type cpu|on the same device")


def _to_meta(value: Any) -> Any:
    return value.to("meta") if _on(value, "cpu") else value


def _on(value: Any, device: str) -> bool:
    return isinstance(value, torch.Tensor) and value.device.type == device


class _CpuToMeta(TorchFunctionMode):
    """Runs an op that meets meta and CPU tensors with the CPU ones moved to meta."""

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        values = tree_flatten((args, kwargs))[0]
        if any(_on(value, "cpu") for value in values) and any(_on(value, "meta") for value in values):
            args, kwargs = tree_map(_to_meta, (args, kwargs))
        return func(*args, **kwargs)


@contextlib.contextmanager
def meta_retry() -> Iterator[None]:
    """Ops that meet meta and CPU tensors run on meta (see above)."""
    with _CpuToMeta():
        yield
