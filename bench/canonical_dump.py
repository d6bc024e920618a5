"""A canonical dump of the stored trees: every Architecture hash with its Module rows (all properties, parent path,
sibling index) and TIED_CHILD edges, sorted, one JSON line per architecture, and the SHA-256 of the whole.

Two graphs hold the same trees when their dumps are equal: compare an ingest before and after a change.

    python bench/canonical_dump.py out.jsonl     # against the configured Neo4j (NEO4J_* / NNSTRUCT_* settings)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from nnstruct.graph.connection import connect
from nnstruct.settings import Settings

MODULES = ("MATCH (m:Module {arch_hash: $hash}) OPTIONAL MATCH (p:Module)-[c:CHILD]->(m) "
           "RETURN m {.*} AS m, p.path AS parent, c.index AS idx")
TIED = ("MATCH (p:Module {arch_hash: $hash})-[t:TIED_CHILD]->(m) "
        "RETURN p.path AS p, t {.*} AS t, m.path AS target")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where the dump goes (JSON lines)")
    args = parser.parse_args()
    digest, modules = hashlib.sha256(), 0
    with connect(Settings()) as graph, args.output.open("w") as out:
        hashes = [row["h"] for row in graph.read("MATCH (a:Architecture) RETURN a.hash AS h ORDER BY h")]
        for arch in hashes:
            rows = sorted(json.dumps(row, sort_keys=True) for row in graph.read(MODULES, {"hash": arch}))
            tied = sorted(json.dumps(row, sort_keys=True) for row in graph.read(TIED, {"hash": arch}))
            line = json.dumps({"hash": arch, "modules": rows, "tied": tied})
            out.write(line + "\n")
            digest.update(line.encode())
            modules += len(rows)
    print(f"{len(hashes)} architectures, {modules} modules, sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
