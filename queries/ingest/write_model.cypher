// title: Ingest: write one model
// answers: Creates or updates a Model node, links it to its Task and (when built) its Architecture.
// params: {model: {id: 'example', status: 'failed', reason: 'example'}, task: null, arch_hash: null}
//
// Runs in the same transaction as write_architecture when the tree is new. Ingest properties are replaced
// (null removes a stale one, e.g. the reason of a model that failed before); dedup's properties are left alone.
// `views` lists the dedup views that keep the model (the per-task counts the analyses read are counted by view from it): every model is in
// view 'none'; dedup adds 'name' and 'architecture' to representatives.
// The model's old FOR_TASK / HAS_ARCHITECTURE edges are replaced, so a rebuild (--force) relinks it.

MERGE (m:Model {id: $model.id})
SET m += $model, m:Nnstruct, m.views = coalesce(m.views, ['none'])
WITH m
CALL (m) {
  OPTIONAL MATCH (m)-[old:FOR_TASK|HAS_ARCHITECTURE]->(target)
  // the task the model leaves owes a recount as well (graph/aggregates.py)
  FOREACH (left IN CASE WHEN target:Task THEN [target] ELSE [] END | SET left.architecture_counts_stale = true)
  DELETE old
}
CALL (m) {
  UNWIND CASE WHEN $task IS NULL THEN [] ELSE [$task] END AS task
  MERGE (t:Task {name: task.name})
    ON CREATE SET t:Nnstruct
  SET t.auto_class = coalesce(task.auto_class, t.auto_class),
      t.catalogue_rule = coalesce(task.catalogue_rule, t.catalogue_rule),
      t.architecture_counts_stale = true
  CREATE (m)-[:FOR_TASK]->(t)
}
CALL (m) {
  MATCH (a:Architecture {hash: $arch_hash})
  CREATE (m)-[:HAS_ARCHITECTURE]->(a)
}
RETURN m.id AS id
