// title: Dedup (architecture): class and shape hashes
// answers: Stores each architecture's WL hash over class names (and over class + shape), with the settings that made it.
// params: {rows: [{hash: 'abc', class_hash: 'def', shape_hash: null, iterations: 7}], networkx_version: '3.6.1'}

UNWIND $rows AS row
MATCH (a:Architecture:Nnstruct {hash: row.hash})
SET a.class_hash = row.class_hash,
    a.shape_hash = row.shape_hash,
    a.class_hash_iterations = row.iterations,
    a.class_hash_networkx_version = $networkx_version
