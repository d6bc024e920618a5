"""Silence the warnings, log lines and prints transformers and torch emit while configs and models are built."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Iterator


def silence_libraries() -> None:
    """Turn transformers' and huggingface_hub's logging down to errors, for the whole process (workers call it)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("transformers", "huggingface_hub", "torch"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # transformers absent: nothing to silence
        pass


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Swallow warnings and anything printed to stdout/stderr inside the block (returned, for error reports)."""
    silence_libraries()
    captured = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        warnings.simplefilter("ignore")
        yield captured
