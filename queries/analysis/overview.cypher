// title: Overview
// answers: How many tasks, models, name families, distinct architectures, modules and layer types does the selection hold (modules counted per model and per distinct architecture)?
// params: {view: 'none', tasks: null}
// render: table

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH count(DISTINCT t) AS tasks, sum(ta.models) AS models, sum(ta.models * coalesce(a.module_count, 0)) AS modules_per_model,
     collect(ta.families) AS family_lists, collect(DISTINCT a) AS archs
CALL (family_lists) {
  UNWIND family_lists AS names
  UNWIND names AS name
  RETURN count(DISTINCT name) AS families
}
WITH tasks, models, families, modules_per_model, size(archs) AS architectures,
     reduce(s = 0, x IN archs | s + coalesce(x.module_count, 0)) AS distinct_modules, archs
CALL (archs) {
  UNWIND archs AS a
  MATCH (a)-[:USES]->(l:LayerType)
  RETURN count(DISTINCT l.name) AS layer_types
}
RETURN tasks, models, families, architectures, modules_per_model, distinct_modules, layer_types;
