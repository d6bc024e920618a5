"""Model code that makes tensors on the CPU and meets the meta tensors with them, on the meta device.

Some model code makes tensors without a device (``torch.arange(n)``: the CPU), or on the device of an input the
reference gives as a CPU tensor because the model reads its values (an image's patch grid, ``grid_thw``: the vision
towers of Qwen2.5-VL, Qwen3-VL, GLM-4V lay out their rotary positions from it). Where such a tensor meets a meta
tensor in an op, the op raises a device mismatch. :func:`meta_retry` runs the forward pass again, and an op that
raises a device mismatch between CPU and meta tensors runs once more with its CPU tensors moved to the meta device:
its shapes, hence its FLOPs, are those it has on the CPU, and the values read before (the grid's) were the CPU's.
Every other op runs as it is: tensors the model code makes for values it reads (window indices from the grid) stay
on the CPU, where a meta default device would take their values away (SEW-D's ``torch.arange`` meets the meta tensors
and is moved; Qwen2.5-VL's window index is computed on the CPU and only then meets them).
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
    return value.to("meta") if isinstance(value, torch.Tensor) and value.device.type == "cpu" else value


class _CpuToMeta(TorchFunctionMode):
    """Runs an op that raises a device mismatch between CPU and meta tensors again with its CPU tensors on meta."""

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        try:
            return func(*args, **kwargs)
        except (RuntimeError, ValueError) as exc:
            if not DEVICE_MISMATCH.search(str(exc)):
                raise
            tensors = [value for value in tree_flatten((args, kwargs))[0] if isinstance(value, torch.Tensor)]
            if not any(t.device.type == "meta" for t in tensors) or not any(t.device.type == "cpu" for t in tensors):
                raise
            args, kwargs = tree_map(_to_meta, (args, kwargs))
            return func(*args, **kwargs)


@contextlib.contextmanager
def meta_retry() -> Iterator[None]:
    """Ops that raise a device mismatch between CPU and meta tensors run on meta (see above)."""
    with _CpuToMeta():
        yield
