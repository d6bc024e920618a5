// title: Model sizes per task
// answers: How many parameters and modules do the models of each task have, and how deep are their module trees?
// params: {view: 'none', tasks: null}
// render: box x=task y=total_params top=60 log=true sort=median name=parameter_counts_per_task title="Parameter count per model, by task"
// render: | box x=task y=module_count top=60 log=true sort=median name=module_counts_per_task title="Modules per model, by task"
// render: | histogram x=total_params log=x name=parameter_count_histogram title="Parameter count per model, all tasks"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND $view IN m.views
RETURN t.name AS task, m.id AS model, m.model_type AS model_type, m.class_name AS class_name,
       coalesce(m.total_params, a.total_params) AS total_params,
       coalesce(m.module_count, a.module_count) AS module_count,
       coalesce(m.max_depth, a.max_depth) AS max_depth, a.hash AS architecture
ORDER BY task, total_params DESC, model;
