// title: Components: architectures whose components are missing or stale
// answers: Which stored trees need component detection (never detected, or by another detector version)?
// params: {version: '', force: false}
//
// With each tree, the structural config of one model that builds it (the first by id): config-only facts
// (sliding window, experts per token) come from it.

MATCH (a:Architecture)
WHERE $force OR a.components_version IS NULL OR a.components_version <> $version
CALL (a) {
  OPTIONAL MATCH (m:Model)-[:HAS_ARCHITECTURE]->(a)
  WITH m ORDER BY m.structural_config IS NULL, m.id
  RETURN m.id AS model_id, m.structural_config AS config, m.total_params AS model_total_params
  LIMIT 1
}
RETURN a.hash AS hash, a.total_params AS total_params, a.module_count AS module_count, model_id, config
ORDER BY hash
