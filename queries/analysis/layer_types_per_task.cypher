// title: Layer types per task
// answers: Which layer types (module classes) make up the models of each task, and how many modules of each do they hold? Every selected model counts its architecture's modules.
// params: {view: 'none', tasks: null}
// render: bar x=layer_type y=modules facet=task top=15 dir=layer_types_per_task title="Layer types in {task} (top 15, modules summed over models)"
// render: | heatmap x=layer_type y=task value=modules top=40 name=task_layer_heatmap title="Modules per task and layer type (40 most frequent types)"
// render: | heatmap-log x=layer_type y=task value=modules top=40 name=task_layer_heatmap_log title="Modules per task and layer type, log colour scale (40 most frequent types)"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
MATCH (a)-[u:USES]->(l:LayerType)
RETURN task, l.name AS layer_type, sum(u.modules * models) AS modules, sum(models) AS models
ORDER BY task, modules DESC, layer_type;
