// title: Ingest: the architecture a structural config already built
// answers: Has a model with this config hash been built, and to which architecture (so it need not be built again)?
// The model's properties come along: a linked model copies its cost (FLOPs, KV cache).
// params: {config_hash: ''}

MATCH (m:Model:Nnstruct {config_hash: $config_hash, status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture:Nnstruct)
RETURN a.hash AS arch_hash, m.class_name AS class_name, m.total_params AS total_params,
       m.trainable_params AS trainable_params, m.module_count AS module_count, m.max_depth AS max_depth,
       properties(m) AS model
LIMIT 1
