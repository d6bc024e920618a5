// title: Module hierarchy of a model
// answers: What does a model's module tree look like? One row per module (every stored property) with its parent, for the models in $models, or when null one typical model per task (most downloaded, then from the largest architecture cluster, then by id).
// params: {view: 'none', tasks: null, models: null}
// render: tree facet=model dir=hierarchy title="{model}: module tree (repeated blocks collapsed)"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND ($models IS NULL OR m.id IN $models)
  AND ($models IS NOT NULL OR $view IN m.views)
WITH t, m, a, coalesce([(a)-[:IN_CLUSTER]->(c:Cluster) | c.size][0], 0) AS cluster_size
ORDER BY t.name, coalesce(m.downloads, -1) DESC, cluster_size DESC, m.id
WITH t, collect({m: m, a: a}) AS candidates
WITH t, CASE WHEN $models IS NULL THEN candidates[..1] ELSE candidates END AS chosen
UNWIND chosen AS pick
WITH t.name AS task, pick.m AS m, pick.a AS a
MATCH (mod:Module {arch_hash: a.hash})
OPTIONAL MATCH (parent:Module)-[c:CHILD]->(mod)
RETURN m.id AS model, task, mod {.*} AS module, parent.path AS parent_path, c.index AS child_index
ORDER BY task, model, module.depth, parent_path, child_index;
