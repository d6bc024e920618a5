"""The Cypher of nnstruct: one ``.cypher`` file per query, each runnable as-is in Neo4j Browser."""
