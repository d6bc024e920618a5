// title: Module hierarchy of a model
// answers: What does a model's module tree look like? One row per module (every stored property) with its parent, for the models in $models, or when null one typical model per task (most downloaded, then from the largest architecture cluster, then by id).
// params: {view: 'none', tasks: null, models: null}
// render: tree facet=model dir=hierarchy title="{model}: module tree (repeated blocks collapsed)"

CALL () {
  // the models asked for, in any view
  MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
  WHERE $models IS NOT NULL AND m.id IN $models AND ($tasks IS NULL OR t.name IN $tasks)
  RETURN t.name AS task, m.id AS model, a
  UNION
  // else one per task, from the per-task counts (each architecture's most downloaded model)
  MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
  WHERE $models IS NULL AND ($tasks IS NULL OR t.name IN $tasks)
  WITH t, ta, a, coalesce([(a)-[:IN_CLUSTER]->(c:Cluster) | c.size][0], 0) AS cluster_size
  ORDER BY t.name, ta.example_downloads DESC, cluster_size DESC, ta.example
  WITH t, collect({model: ta.example, a: a})[0] AS pick
  RETURN t.name AS task, pick.model AS model, pick.a AS a
}
MATCH (mod:Module {arch_hash: a.hash})
OPTIONAL MATCH (parent:Module)-[c:CHILD]->(mod)
RETURN model, task, mod {.*} AS module, parent.path AS parent_path, c.index AS child_index
ORDER BY task, model, module.depth, parent_path, child_index;
