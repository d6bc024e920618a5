"""Meta-kernel results, cached by what decides them: the op and its arguments' shapes, strides and dtypes.

On the meta device an op computes nothing but its output's metadata, and for many ops it does so in Python
(PyTorch's reference implementations and decompositions: ``addmm``, ``gelu``, ``sigmoid``, layer norm, ...), at
100-500 microseconds an op, most of a forward pass's time. A meta tensor has no values, so for an op that only
reads its inputs and returns new tensors, the output's metadata is a function of the op, the inputs' metadata and
the other arguments: the same call again gets fresh empty tensors of the recorded metadata, without the kernel.
The same calls recur within a layer (query, key and value projections), across the layers a short stack still
runs, and across models (hidden sizes, the reference length), in a build worker that counts hundreds of trees.

Only what is known to be safe is cached, and otherwise the kernel runs: ops that mutate an argument or return a
view (by their schema), calls with a tensor not on the meta device (a CPU scalar: its value can matter), results
that are not tensors (``.item()``, ``is_nonzero``), and results the first run showed to alias an input or each
other, or not to be plain dense tensors (``_unsafe_view`` returns a view without saying so in its schema). What
the counter sees is unchanged: the cache sits below ``FlopCounterMode`` (which counts an op before running it) and
below the activation tracking, which sees the same tensors' sizes; ``tests/unit/test_cost_meta_cache.py`` checks
that the counts and peak activations are the same with and without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

MAX_ENTRIES = 200_000  # a few hundred bytes each; a worker that counts the whole catalogue holds about 30,000

_TENSOR = object()  # marks a tensor's metadata in a key, so it cannot equal a plain tuple argument
_UNCACHEABLE = object()  # the call's result is not cached: run the kernel


class _NotCacheable(Exception):
    pass


def _describe(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        if value.device.type != "meta":
            raise _NotCacheable
        return (_TENSOR, value.shape, value.stride(), value.storage_offset(), value.dtype)
    if isinstance(value, list | tuple):
        return tuple(_describe(item) for item in value)
    # with its type: 1, 1.0 and True are equal keys, but an int tensor times 1.0 is a float tensor
    return type(value), value


def _key(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """What decides the result's metadata (raises :class:`_NotCacheable`, or ``TypeError`` when unhashable)."""
    key = (func, torch.get_default_dtype(), _describe(args), tuple((name, _describe(v)) for name, v in kwargs.items()))
    hash(key)
    return key


def _storages(values: Any) -> list[int]:
    found = []
    for value in values:
        if isinstance(value, torch.Tensor):
            found.append(value.untyped_storage()._cdata)
        elif isinstance(value, list | tuple):
            found.extend(_storages(value))
    return found


def _record(out: Any, inputs: list[int]) -> Any:
    """The metadata to make ``out`` again, or ``_UNCACHEABLE``."""
    outputs = out if isinstance(out, tuple) else (out,)
    if not outputs or not all(isinstance(tensor, torch.Tensor) for tensor in outputs):
        return _UNCACHEABLE
    seen = set(inputs)
    records = []
    for tensor in outputs:
        storage = tensor.untyped_storage()
        if (tensor.device.type != "meta" or tensor.layout != torch.strided or tensor.is_conj() or tensor.is_neg()
                or storage._cdata in seen or tensor.storage_offset() != 0):
            return _UNCACHEABLE
        shape, stride = tuple(tensor.shape), tensor.stride()
        needed = 1 + sum((size - 1) * step for size, step in zip(shape, stride, strict=True)) if all(shape) else 0
        if storage.nbytes() != needed * tensor.element_size():
            return _UNCACHEABLE  # a view into a larger buffer: the live-activation figure would differ
        seen.add(storage._cdata)
        records.append((shape, stride, tensor.dtype))
    return records if isinstance(out, tuple) else records[0]  # a list: a tuple of outputs


# The Python dispatch keys: excluded, an op runs its kernel without passing the dispatch modes active below the
# caller's (each costs Python per op).
_PYTHON_KEYS = torch._C.DispatchKeySet(torch._C.DispatchKey.Python) | torch._C.DispatchKeySet(
    torch._C.DispatchKey.PythonTLSSnapshot)


def below_modes(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``func``'s kernel, without the dispatch modes active below the caller's (the counter, the cache's own)."""
    with torch._C._ExcludeDispatchKeyGuard(_PYTHON_KEYS):
        return func(*args, **kwargs)


def _make(record: Any) -> Any:
    with torch._C._ExcludeDispatchKeyGuard(_PYTHON_KEYS):  # an empty tensor is no op for the modes below
        if isinstance(record, list):  # a tuple of outputs
            return tuple(torch.empty_strided(shape, stride, dtype=dtype, device="meta")
                         for shape, stride, dtype in record)
        shape, stride, dtype = record
        return torch.empty_strided(shape, stride, dtype=dtype, device="meta")


_SAFE_OPS: dict[Any, bool] = {}


def _safe_op(func: Any) -> bool:
    """``func`` neither mutates an argument nor returns a view, by its schema."""
    safe = _SAFE_OPS.get(func)
    if safe is None:
        schema = getattr(func, "_schema", None)  # higher-order operators have none
        safe = _SAFE_OPS[func] = schema is not None and not schema.is_mutable and not any(
            ret.alias_info is not None for ret in schema.returns)
    return safe


def call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], kernel: Callable[[], Any]) -> Any:
    """``func(*args, **kwargs)``: fresh tensors for a call seen before, else ``kernel()``'s result, recorded."""
    if not _safe_op(func):
        return kernel()
    try:
        key = _key(func, args, kwargs)
    except (_NotCacheable, TypeError):
        return kernel()
    results = MetaKernelCache.results
    record = results.get(key)
    if record is _UNCACHEABLE:
        return kernel()
    if record is not None:
        MetaKernelCache.hits += 1
        return _make(record)
    out = kernel()
    if len(results) >= MAX_ENTRIES:
        results.clear()
    results[key] = _record(out, _storages((*args, *kwargs.values())))
    return out


class MetaKernelCache(TorchDispatchMode):
    """A dispatch mode that answers repeated meta-kernel calls from ``results`` (see the module docstring)."""

    results: dict[Any, Any] = {}  # one per process: a build worker reuses it across the trees it counts
    hits = 0  # calls answered from the cache (the tests read it)

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        return call(func, args, kwargs, lambda: func(*args, **kwargs))
