"""Where output goes: results to stdout, progress and diagnostics to stderr (so --format json stays clean)."""

from __future__ import annotations

from rich.console import Console

# Results (tables, CSV, JSON) only.
out = Console(soft_wrap=True)
# Progress bars, summaries of work done, warnings, errors.
err = Console(stderr=True, soft_wrap=True)
