"""Where output goes: results to stdout, progress and diagnostics to stderr (so --format json stays clean).

Names, ids, paths, reasons and query results come from outside (hub repos, folders, configs, the graph) and may
hold text rich would read as markup (a folder named ``[/]`` crashed a run). So both consoles read no markup at
all; styling is given with ``style=`` or :class:`rich.text.Text`, and the one place that mixes markup with outside
text passes it through :func:`safe` first.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

# Results (tables, CSV, JSON) only.
out = Console(soft_wrap=True, markup=False)
# Progress bars, summaries of work done, warnings, errors.
err = Console(stderr=True, soft_wrap=True, markup=False)


def safe(value: object) -> str:
    """``value`` as text rich prints literally even where markup is on (the one escaping helper)."""
    return escape(str(value))
