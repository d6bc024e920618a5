// title: Layer types overall
// answers: Which layer types are most frequent across all selected models, what share of all modules are they, and in how many models and tasks do they occur?
// params: {view: 'none', tasks: null}
// render: bar x=layer_type y=modules top=25 title="Most frequent layer types over all tasks (top 25, modules summed over models)"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH a, sum(ta.models) AS models, collect(DISTINCT t.name) AS tasks
MATCH (a)-[u:USES]->(l:LayerType)
WITH l.name AS layer_type, sum(u.modules * models) AS modules, sum(models) AS models, collect(tasks) AS task_lists
WITH layer_type, modules, models,
     size(reduce(seen = [], ts IN task_lists | seen + [x IN ts WHERE NOT x IN seen])) AS tasks
WITH collect({layer_type: layer_type, modules: modules, models: models, tasks: tasks}) AS rows, sum(modules) AS total
UNWIND rows AS row
RETURN row.layer_type AS layer_type, row.modules AS modules, round(toFloat(row.modules) / total, 4) AS share,
       row.models AS models, row.tasks AS tasks
ORDER BY modules DESC, layer_type;
