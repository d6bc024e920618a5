"""FLOPs of one forward pass, per module: PyTorch's ``FlopCounterMode`` on the meta device, or analytic counts.

The forward pass runs on the meta device (shapes only, no arithmetic) under ``torch.utils.flop_counter.
FlopCounterMode``, whose module tracker attributes every counted op to each module on the call stack, so a module's
count includes its children's (like ``subtree_params``). Attention is counted in whichever implementation the model
runs: transformers' default SDPA is counted by the counter's own formula for the scaled-dot-product ops (on the
meta device SDPA decomposes to two batched matmuls, on CPU it is one ``_scaled_dot_product_*`` op: both give
``4 * batch * heads * q_len * kv_len * head_dim``), eager attention by its ``bmm``s. :func:`count_flops` switches
a model to eager attention where it has it: the same count, and faster on the meta device (decomposed SDPA is many
more small ops). The SDPA ops anywhere, and batched matmuls inside attention modules, are the "attention" share,
which grows with the square of the sequence length; everything else grows linearly.

Three things make the pass cheap or let it run where the meta device alone would stop: stacks of alike layers run
one layer per group and the others get its counts (:mod:`nnstruct.cost.repeats`), repeated meta-kernel calls are
answered from a cache (:mod:`nnstruct.cost.meta_cache`), and ``all``/``any`` checks on meta tensors are answered for
the reference input (:mod:`nnstruct.cost.answers`).

When the forward pass cannot run on the meta device (data-dependent control flow such as ``.item()``, inputs the
model wants that cannot be synthesised, a missing kernel), FLOPs are counted analytically from the module shapes at
the reference length: ``2 * in * out`` per token for every Linear (and GPT-2's Conv1D), ``2 * in * out * k / groups``
per position for convolutions (positions = the reference tokens: a rough figure for conv nets), and
``4 * tokens^2 * heads * head_dim`` for every outermost attention module (a class named ``*Attention*``/``*Attn*``:
its QK^T and AV matmuls; the width from its head attributes or its query projection).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import time
import weakref
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from nnstruct.cost.answers import VALUE_READ_ERROR, answer_for, is_value_read
from nnstruct.cost.devices import DEVICE_MISMATCH, meta_retry
from nnstruct.cost.inputs import ReferenceInput, candidates, reference_tokens
from nnstruct.cost.meta_cache import MetaKernelCache, below_modes, call
from nnstruct.cost.repeats import Repeat, ancestors, find_repeats, short_stacks

# Attention ops wherever they run, and batched matmuls when they run inside an attention module (eager attention's
# QK^T and AV; elsewhere, e.g. in mixture-of-experts layers, a batched matmul is a per-token product).
_ATTENTION_OPS = ("_scaled_dot_product", "_flash_attention", "_efficient_attention", "flex_attention", "_varlen_attn")
_BATCHED_MATMULS = ("bmm", "baddbmm")
_ATTENTION_CLASS = re.compile(r"attention|attn", re.IGNORECASE)
REASON_MAX = 200


@dataclass
class FlopCount:
    """The FLOPs of one forward pass at the reference input."""

    method: str  # "forward" | "analytic"
    total: int
    attention: int  # the quadratic share (see the module docstring)
    per_module: dict[str, int]  # module path ("" = root) -> FLOPs including its children
    reference: str  # the reference input, e.g. "batch=1 input_ids=1x512"
    batch: int
    tokens: int | None
    reason: str | None = None  # why the forward pass did not run (analytic only)
    activation_bytes: int | None = None  # peak bytes of live activations during the forward pass (meta, fp32)
    seconds: float = 0.0
    by_op: dict[str, int] = field(default_factory=dict)

    @property
    def per_token(self) -> float | None:
        return self.total / (self.batch * self.tokens) if self.tokens else None


def counter_version() -> str:
    """What the FLOPs were counted with (stored beside them)."""
    return f"torch {torch.__version__} FlopCounterMode"


_COUNTED = set(FlopCounterMode(display=False).flop_registry)
_UNCOUNTED: dict[Any, bool] = {}


def _uncounted(func: Any) -> bool:
    """The counter gives ``func`` no FLOPs and does not decompose it (it has no ``CompositeImplicitAutograd``
    kernel), so it can skip the counter: what the counter sees is the same."""
    answer = _UNCOUNTED.get(func)
    if answer is None:
        answer = _UNCOUNTED[func] = (
            isinstance(func, torch._ops.OpOverload) and func.overloadpacket not in _COUNTED
            and not torch._C._dispatch_has_kernel_for_dispatch_key(func.name(), "CompositeImplicitAutograd"))
    return answer


class _LiveBytes(TorchDispatchMode):
    """Peak bytes of tensors alive at once among the outputs of the ops run inside it (inference activations:
    meta tensors are freed when their last reference goes, which ``weakref.finalize`` observes). It also answers
    ``all``/``any`` checks on meta tensors for the reference input (:mod:`nnstruct.cost.answers`), and runs the ops
    the counter gives no FLOPs itself, through the meta-kernel cache (:mod:`nnstruct.cost.meta_cache`): one mode
    for all of it, since every mode costs Python per op."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.live = 0
        self.peak = 0
        # storages of weights and buffers: views of them (a transposed weight) are not activations
        self._seen: set[int] = {t.untyped_storage()._cdata for t in (*model.parameters(), *model.buffers())}
        self._answers: dict[int, bool] = {}  # storage of an all/any result -> its answer
        self.answered = 0

    def _free(self, key: int, size: int) -> None:
        self.live -= size
        self._seen.discard(key)
        self._answers.pop(key, None)

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if is_value_read(func, args):
            key = args[0].untyped_storage()._cdata
            if key in self._answers:
                self.answered += 1
                return self._answers[key]
        kwargs = kwargs or {}
        if _uncounted(func):  # from the cache, or its kernel straight away: each mode passed costs Python
            out = call(func, args, kwargs, lambda: below_modes(func, args, kwargs))
        else:
            out = func(*args, **kwargs)
        answer = answer_for(func)
        if answer is not None and isinstance(out, torch.Tensor) and out.device.type == "meta" and out.numel() == 1:
            self._answers[out.untyped_storage()._cdata] = answer
        for tensor in out if isinstance(out, tuple | list) else (out,):
            if isinstance(tensor, torch.Tensor):
                try:
                    key = tensor.untyped_storage()._cdata  # the StorageImpl: views share it
                    size = tensor.untyped_storage().nbytes()
                except (RuntimeError, NotImplementedError):
                    continue
                if key in self._seen:
                    continue  # a view of a tensor already counted
                self._seen.add(key)
                self.live += size
                self.peak = max(self.peak, self.live)
                weakref.finalize(tensor, self._free, key, size)
        return out


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    line = next((part.strip() for part in text.splitlines() if part.strip()), type(exc).__name__)
    return line if len(line) <= REASON_MAX else line[: REASON_MAX - 1] + "…"


def _module_paths(counts: dict[str, dict[Any, int]], root_class: str, paths: set[str]) -> dict[str, int]:
    """The counter's per-module keys (``RootClass.encoder.layer.0``) as module paths (``encoder.layer.0``)."""
    result: dict[str, int] = {}
    prefix = root_class + "."
    for key, ops in counts.items():
        if key == root_class:
            path = ""
        elif key.startswith(prefix):
            path = key[len(prefix):]
        else:
            continue  # "Global", or a module the tracker named outside the tree
        if path in paths:
            result[path] = sum(ops.values())
    return result


def _containers(per_module: dict[str, int], paths: list[str]) -> dict[str, int]:
    """Modules never called themselves (``ModuleList``, ``ModuleDict``) get the sum of their children's FLOPs, so
    every level of the tree adds up; deepest first, so nested containers add up too."""
    children: dict[str, list[str]] = {}
    for path in paths:
        if path:
            children.setdefault(path.rpartition(".")[0], []).append(path)
    for path in sorted(paths, key=lambda p: p.count(".") if p else -1, reverse=True):
        if path not in per_module and path in children:
            found = [per_module[child] for child in children[path] if child in per_module]
            if found:
                per_module[path] = sum(found)
    return per_module


def _op_name(op: Any) -> str:
    return str(op).removeprefix("aten.")


def _is_attention(path: str, attention: set[str]) -> bool:
    """``path`` is an attention module or inside one."""
    parts = path.split(".") if path else []
    return any(".".join(parts[:depth]) in attention for depth in range(1, len(parts) + 1))


def _attention_modules(model: nn.Module) -> set[str]:
    return {path for path, module in model.named_modules() if path and _ATTENTION_CLASS.search(type(module).__name__)}


def _attention_under(model: nn.Module, counts: dict[str, dict[Any, int]], attention: set[str],
                     prefix: str | None = None) -> int:
    """The quadratic share of the ops counted under ``prefix`` (None: the whole pass): attention ops anywhere, plus
    batched matmuls inside the outermost ``attention`` modules."""
    root = type(model).__name__
    key = "Global" if prefix is None else (f"{root}.{prefix}" if prefix else root)
    total = sum(v for op, v in counts.get(key, {}).items() if any(part in _op_name(op) for part in _ATTENTION_OPS))
    if prefix and _is_attention(prefix, attention):  # the whole subtree is inside one attention module
        return total + sum(v for op, v in counts.get(key, {}).items() if _op_name(op) in _BATCHED_MATMULS)
    for path in attention:
        if prefix and not path.startswith(prefix + "."):
            continue
        parts = path.split(".")
        if any(".".join(parts[:depth]) in attention for depth in range(1, len(parts))):
            continue  # inside an attention module counted already
        total += sum(v for op, v in counts.get(f"{root}.{path}", {}).items() if _op_name(op) in _BATCHED_MATMULS)
    return total


# transformers' own switch for its input consistency checks (``torch_compilable_check``: the spatial shapes of
# RT-DETR v2 and D-FINE sum to the encoder's length, a VLM's image tokens match its image features). A check only
# raises or passes, it never changes what is computed; on the meta device it cannot be evaluated (``.item()``).
_CHECKS_SWITCH = "TRANSFORMERS_DISABLE_TORCH_CHECK"


@contextlib.contextmanager
def _input_checks_off() -> Iterator[None]:
    previous = os.environ.get(_CHECKS_SWITCH)
    os.environ[_CHECKS_SWITCH] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_CHECKS_SWITCH, None)
        else:
            os.environ[_CHECKS_SWITCH] = previous


def count_forward(model: nn.Module, reference: ReferenceInput, repeats: list[Repeat] | None = None) -> FlopCount:
    """Run ``model`` once on ``reference`` under FlopCounterMode; raises what the forward pass raises. With
    ``repeats`` (:mod:`nnstruct.cost.repeats`), each stack runs one layer per group of alike layers and the others
    get its counts; :class:`RepeatNotRun` when one of those layers never ran."""
    started = time.perf_counter()
    paths = [path for path, _ in model.named_modules()]
    repeats = repeats or []
    root = type(model).__name__
    with short_stacks(model, repeats), _input_checks_off():
        live = _LiveBytes(model)
        # the cache below the counter: the counter counts every op, the cache only spares the meta kernels
        with torch.no_grad(), MetaKernelCache(), FlopCounterMode(display=False) as counter, live:
            model(**reference.tensors, **reference.options)
        counts = counter.get_flop_counts()
        short_paths = {path for path, _ in model.named_modules()}
        modules = _attention_modules(model)
        attention = _attention_under(model, counts, modules)
        layer_attention = {(repeat.path, index): _attention_under(model, counts, modules, repeat.layer(index))
                           for repeat in repeats for index in range(len(repeat.groups))}
    by_op = {_op_name(op): int(value) for op, value in counts.get("Global", {}).items()}
    per_module = _module_paths(counts, root, short_paths)
    total = int(counter.get_total_flops())
    for repeat in repeats:
        below = {key: per_module.pop(key) for key in [key for key in per_module if repeat.split(key)]}
        for index, group in enumerate(repeat.groups):
            if f"{root}.{repeat.layer(index)}" not in counts and total:
                raise RepeatNotRun(repeat)
            copies = len(group) - 1
            extra = copies * below.get(repeat.layer(index), 0)
            for ancestor in ancestors(repeat.path) + [repeat.path]:
                if ancestor in per_module:
                    per_module[ancestor] += extra
            total += extra
            attention += copies * layer_attention[(repeat.path, index)]
            for op, value in counts.get(f"{root}.{repeat.layer(index)}", {}).items():
                by_op[_op_name(op)] = by_op.get(_op_name(op), 0) + copies * int(value)
        for key, value in below.items():
            index, rest = repeat.split(key)
            for original in repeat.groups[index]:
                per_module[repeat.layer(original) + rest] = value
    per_module = _containers(per_module, paths)
    per_module[""] = total  # the root: every counted op, also those outside any submodule's forward
    return FlopCount(
        "forward", total, attention, per_module,
        reference.describe(), reference.batch, reference.tokens, activation_bytes=live.peak,
        seconds=time.perf_counter() - started, by_op=by_op,
    )


class RepeatNotRun(Exception):
    """A stack's first layer never ran in the short forward pass: its counts cannot stand for the others."""

    def __init__(self, repeat: Repeat) -> None:
        super().__init__(repeat.path)
        self.repeat = repeat


def _kernel_volume(module: nn.Module) -> int:
    kernel = getattr(module, "kernel_size", 1)
    return math.prod(kernel) if isinstance(kernel, tuple | list) else int(kernel)


def _own_analytic(module: nn.Module, batch: int, length: int) -> int:
    """FLOPs of one layer's own weights at ``batch`` x ``length`` positions (see the module docstring)."""
    positions = batch * length
    weight = module._parameters.get("weight")
    if isinstance(module, nn.Linear):
        return 2 * module.in_features * module.out_features * positions
    if isinstance(module, nn.modules.conv._ConvNd):
        return 2 * module.in_channels * module.out_channels * _kernel_volume(module) // module.groups * positions
    nx, nf = module.__dict__.get("nx"), module.__dict__.get("nf")  # transformers' Conv1D (GPT-2)
    if isinstance(nx, int) and isinstance(nf, int) and weight is not None:
        return 2 * nx * nf * positions
    return 0


def _int_attr(module: nn.Module, *names: str) -> int | None:
    for name in names:
        value = getattr(module, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _attention_width(module: nn.Module) -> int | None:
    """heads x head dim of an attention module: from its attributes, else its query projection's width."""
    heads = _int_attr(module, "num_heads", "num_attention_heads", "n_head", "n_heads")
    head_dim = _int_attr(module, "head_dim", "attention_head_size", "head_size", "d_kv")
    if heads and head_dim:
        return heads * head_dim
    for name in ("q_proj", "query", "q", "wq", "to_q"):
        child = module._modules.get(name)
        if isinstance(child, nn.Linear):
            return child.out_features
    if heads:
        return _int_attr(module, "all_head_size", "inner_dim", "hidden_size", "embed_dim")
    return None


def count_analytic(model: nn.Module, reason: str, batch: int = 1, tokens: int | None = None) -> FlopCount:
    """Analytic FLOPs from the module shapes at the reference length (see the module docstring)."""
    started = time.perf_counter()
    length = reference_tokens(model.config, tokens) if hasattr(model, "config") else tokens or 512
    named = list(model.named_modules())
    own: dict[str, int] = {}
    attention = 0
    counted: set[str] = set()  # attention modules counted: their descendants are not counted again
    for path, module in named:
        own[path] = _own_analytic(module, batch, length)
        if not path or not _ATTENTION_CLASS.search(type(module).__name__):
            continue
        parts = path.split(".")
        if any(".".join(parts[:depth]) in counted for depth in range(1, len(parts))):
            continue
        width = _attention_width(module)
        if width:
            counted.add(path)
            matmuls = 4 * batch * length * length * width  # QK^T and AV
            own[path] += matmuls
            attention += matmuls
    per_module: dict[str, int] = defaultdict(int)
    for path, flops in own.items():
        if not flops:
            continue
        parts = path.split(".") if path else []
        for depth in range(len(parts) + 1):
            per_module[".".join(parts[:depth])] += flops
    for path, _ in named:
        per_module.setdefault(path, 0)
    total = per_module[""]
    return FlopCount("analytic", total, attention, dict(per_module), f"batch={batch} tokens={length}", batch, length,
                     reason=reason, seconds=time.perf_counter() - started)


def _eager_attention(model: nn.Module) -> None:
    """Eager attention where the model has it (see the module docstring)."""
    setter = getattr(model, "set_attn_implementation", None)
    if callable(setter) and getattr(getattr(model, "config", None), "_attn_implementation", None) != "eager":
        with contextlib.suppress(Exception):  # no eager attention: count the implementation it has
            setter("eager")


def _dense_experts(model: nn.Module) -> None:
    """Mixture-of-experts layers run as batched matmuls over the routed (token, expert) pairs: top-k experts per
    token, counted exactly, with no data-dependent grouping (the default grouped kernel is invisible to the
    counter and the eager loop needs ``nonzero``, which the meta device cannot do)."""
    setter = getattr(model, "set_experts_implementation", None)
    if callable(setter) and getattr(getattr(model, "config", None), "_experts_implementation", None) is not None:
        # the model has no experts, or not this implementation: run it as it is
        with contextlib.suppress(Exception):
            setter("batched_mm")


def _all_on_meta(model: nn.Module) -> None:
    """Parameters and buffers the model's code made on the CPU despite the meta device (``nn.Parameter(torch.Tensor(
    n))``: the legacy constructor ignores the default device; ImageGPT's norms, Deformable DETR's level embeddings,
    XLNet's biases) replaced by meta tensors of the same shape, where the forward pass runs; a tensor held by several
    modules (tied) stays one object."""
    moved: dict[int, torch.Tensor] = {}
    for module in model.modules():
        for slots in (module._parameters, module._buffers):
            for name, tensor in slots.items():
                if tensor is None or tensor.device.type == "meta":
                    continue
                if id(tensor) not in moved:
                    meta = tensor.detach().to("meta")
                    moved[id(tensor)] = (nn.Parameter(meta, requires_grad=tensor.requires_grad)
                                         if isinstance(tensor, nn.Parameter) else meta)
                slots[name] = moved[id(tensor)]


def count_flops(model: nn.Module, batch: int = 1, tokens: int | None = None) -> FlopCount:
    """FLOPs of ``model`` (on the meta device) at the reference input: the forward pass if any candidate input
    runs, else the analytic count with the first candidate's error as the reason."""
    reason = "no input could be synthesised for this model's forward pass"
    try:
        inputs = candidates(model, batch, tokens)
    except Exception as exc:  # a config the input synthesis cannot read: count analytically
        inputs, reason = [], f"input synthesis: {_short(exc)}"
    model.eval()
    _eager_attention(model)
    _dense_experts(model)
    _all_on_meta(model)
    try:
        repeats = find_repeats(model)
    except Exception:  # a module the signature cannot read: run every layer
        repeats = []
    # Parameters that require gradients make FlopCounterMode's module tracker hook the backward pass of modules
    # fed a parameter directly (Perceiver's latents, SAM's prompt embeddings), which fails without a grad_fn.
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    try:
        for parameter in trainable:
            parameter.requires_grad_(False)
        for index, reference in enumerate(inputs):
            try:
                return _count_reference(model, reference, repeats)
            except Exception as exc:  # data-dependent code, a missing kernel, inputs the model did not want
                if index == 0:
                    reason = _short(exc)
    finally:
        for parameter in trainable:
            parameter.requires_grad_(True)
    return count_analytic(model, reason, batch, tokens)


def _count_reference(model: nn.Module, reference: ReferenceInput, repeats: list[Repeat]) -> FlopCount:
    """The forward pass on one candidate input: short stacks first; a stack whose first layer never ran (a vision
    tower a text-only input does not call) runs in full and the others stay short; a short pass that fails runs
    in full, unless it failed reading a meta tensor's values. The last error is raised. A device mismatch between
    tensors the model code makes on the CPU and the meta tensors is retried once with every op that meets both run
    on meta copies of its CPU tensors (:mod:`nnstruct.cost.devices`)."""
    short = list(repeats)
    devices = contextlib.nullcontext  # meta_retry after a device mismatch
    while True:
        try:
            with devices():
                return count_forward(model, reference, short)
        except RepeatNotRun as exc:
            short = [repeat for repeat in short if repeat is not exc.repeat]
        except Exception as exc:
            if devices is contextlib.nullcontext and DEVICE_MISMATCH.search(str(exc)):
                devices = meta_retry
                continue
            # A value read on the meta device fails wherever it runs, and the full pass runs the same code up to it:
            # running the stacks in full would only fail again, at many times the cost.
            if not short or VALUE_READ_ERROR.search(str(exc)):
                raise
            short = []

