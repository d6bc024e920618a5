// title: Ingest: write a batch of models that bring no new tree
// answers: Creates or updates many Model nodes at once (linked to a stored Architecture, or failed/skipped), with their Task links; the batched form of write_model.
// params: {tasks: [{name: 'text-classification', auto_class: null, catalogue_rule: null}], rows: [{model: {id: 'example', status: 'failed', reason: 'example'}, task: null, arch_hash: null}]}
//
// One transaction holds the whole batch, so each model in it lands completely or not at all (ingest retries a
// refused batch model by model). The tasks are merged once per batch, not once per model; each row then only
// looks its Task and Architecture up by their unique keys. Same semantics as write_model.cypher: ingest
// properties replaced, dedup's left alone, old FOR_TASK / HAS_ARCHITECTURE edges replaced.

UNWIND $tasks AS task
MERGE (t:Task {name: task.name})
  ON CREATE SET t:Nnstruct
SET t.auto_class = coalesce(task.auto_class, t.auto_class),
    t.catalogue_rule = coalesce(task.catalogue_rule, t.catalogue_rule),
    t.architecture_counts_stale = true;

UNWIND $rows AS row
MERGE (m:Model {id: row.model.id})
SET m += row.model, m:Nnstruct, m.views = coalesce(m.views, ['none'])
WITH m, row
CALL (m) {
  OPTIONAL MATCH (m)-[old:FOR_TASK|HAS_ARCHITECTURE]->(target)
  FOREACH (left IN CASE WHEN target:Task THEN [target] ELSE [] END | SET left.architecture_counts_stale = true)
  DELETE old
}
CALL (m, row) {
  MATCH (t:Task {name: row.task})
  CREATE (m)-[:FOR_TASK]->(t)
}
CALL (m, row) {
  MATCH (a:Architecture {hash: row.arch_hash})
  CREATE (m)-[:HAS_ARCHITECTURE]->(a)
}
RETURN count(m) AS models
