"""nnstruct: explore the structure of deep neural networks as a Neo4j graph."""

import os as _os

__version__ = "0.1.0"

# The stage packages (tree/, ingest/, graph/, ...) live beside this folder in a source checkout and are installed
# as nnstruct.<stage>. Python started in the repository root finds this folder before the installed package, so
# let this folder's package find its stages too.
_checkout = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_checkout, "setup.py")) and _checkout not in __path__:
    __path__.append(_checkout)
