// title: Module hierarchy of a model
// answers: What does a model's module tree look like? One row per module with its parent, for the models in $models, or when null one typical model per task (most downloaded, then from the largest architecture cluster, then by id).
// params: {view: 'none', tasks: null, models: null}
// render: tree facet=model dir=hierarchy title="{model}: module tree (repeated blocks collapsed)"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND ($models IS NULL OR m.id IN $models)
  AND ($models IS NOT NULL OR CASE $view WHEN 'none' THEN true WHEN 'name' THEN m.rep_name = true
                 WHEN 'architecture' THEN m.rep_architecture = true ELSE false END)
WITH t, m, a, coalesce([(a)-[:IN_CLUSTER]->(c:Cluster) | c.size][0], 0) AS cluster_size
ORDER BY t.name, coalesce(m.downloads, -1) DESC, cluster_size DESC, m.id
WITH t, collect({m: m, a: a}) AS candidates
WITH t, CASE WHEN $models IS NULL THEN candidates[..1] ELSE candidates END AS chosen
UNWIND chosen AS pick
WITH t.name AS task, pick.m AS m, pick.a AS a
MATCH (mod:Module {arch_hash: a.hash})
OPTIONAL MATCH (parent:Module)-[c:CHILD]->(mod)
RETURN m.id AS model, task, mod.path AS path, parent.path AS parent, mod.name AS name,
       mod.class_name AS class_name, mod.depth AS depth, c.index AS child_index, mod.subtree_params AS params,
       mod.in_features AS in_features, mod.out_features AS out_features, mod.in_channels AS in_channels,
       mod.out_channels AS out_channels, mod.kernel_size AS kernel_size, mod.stride AS stride,
       mod.num_embeddings AS num_embeddings, mod.embedding_dim AS embedding_dim,
       mod.normalized_shape AS normalized_shape, mod.num_features AS num_features, mod.num_heads AS num_heads,
       mod.p AS p
ORDER BY task, model, depth, parent, child_index;
