// title: Model sizes per task
// answers: How many parameters and modules do the models of each task have, and how deep are their module trees? One row per task and architecture: `models` is how many of the task's selected models it stands for (the charts count each of them), `example_model` the most downloaded of them.
// params: {view: 'none', tasks: null}
// render: box x=task y=total_params weight=models top=60 log=true sort=median name=parameter_counts_per_task title="Parameter count per model, by task"
// render: | box x=task y=module_count weight=models top=60 log=true sort=median name=module_counts_per_task title="Modules per model, by task"
// render: | histogram x=total_params weight=models log=x name=parameter_count_histogram title="Parameter count per model, all tasks"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
OPTIONAL MATCH (m:Model {id: ta.example})
RETURN t.name AS task, ta.example AS example_model, ta.models AS models, m.model_type AS model_type,
       a.root_class AS class_name,
       a.total_params AS total_params, a.module_count AS module_count, a.max_depth AS max_depth,
       a.hash AS architecture
ORDER BY task, total_params DESC, example_model;
