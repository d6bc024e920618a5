"""Package layout only; metadata lives in pyproject.toml.

The repository's top level shows the pipeline (ingest -> graph -> dedup -> queries -> analysis), so each stage
folder is installed as a subpackage of ``nnstruct`` rather than as a top-level module of its own.
"""

from setuptools import find_packages, setup

STAGES = ["tree", "ingest", "graph", "dedup", "queries", "components", "analysis", "inspection", "cost"]

packages = ["nnstruct", *(f"nnstruct.{p}" for p in find_packages("nnstruct"))]
package_dir = {"nnstruct": "nnstruct"}
for stage in STAGES:
    package_dir[f"nnstruct.{stage}"] = stage
    packages += [f"nnstruct.{stage}", *(f"nnstruct.{stage}.{p}" for p in find_packages(stage))]

setup(packages=packages, package_dir=package_dir)
