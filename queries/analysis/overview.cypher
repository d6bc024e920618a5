// title: Overview
// answers: How many tasks, models, name families, distinct architectures, modules and layer types does the selection hold (modules counted per model and per distinct architecture)?
// params: {view: 'none', tasks: null}
// render: table

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND $view IN m.views
WITH count(DISTINCT t) AS tasks, count(DISTINCT m) AS models, sum(coalesce(a.module_count, 0)) AS modules_per_model,
     count(DISTINCT [(m)-[:IN_FAMILY]->(f:Family) | f.name][0]) AS families, collect(DISTINCT a) AS archs
WITH tasks, models, families, modules_per_model, size(archs) AS architectures,
     reduce(s = 0, x IN archs | s + coalesce(x.module_count, 0)) AS distinct_modules, archs
CALL (archs) {
  UNWIND archs AS a
  MATCH (a)-[:USES]->(l:LayerType)
  RETURN count(DISTINCT l.name) AS layer_types
}
RETURN tasks, models, families, architectures, modules_per_model, distinct_modules, layer_types;
