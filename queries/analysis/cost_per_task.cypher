// title: FLOPs per token and weight memory per task
// answers: How much compute per token and how much weight memory do the models of each task need? One row per task, architecture and cost (models sharing a tree can differ by config, e.g. their reference length): `models` is how many models it stands for (the charts count each), `example_model` one of them.
// params: {view: 'none', tasks: null}
// render: box x=task y=flops_per_token weight=models top=60 log=true sort=median name=flops_per_token_per_task title="Forward-pass FLOPs per token (or image patch) at the reference input, by task"
// render: | box x=task y=weight_bytes_bf16 weight=models top=60 log=true sort=median name=weight_memory_per_task title="Weight memory at bf16 (bytes, tied weights once), by task"
//
// FLOPs per token: the forward pass at the model's reference input (Model.reference_input) divided by its
// tokens (text tokens, encoder + decoder; image patches for patch-based vision models); models whose input has
// no token count (audio, convolutional vision) have none and are left out of that chart.

MATCH (t:Task)-[:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND a.flops_forward IS NOT NULL
MATCH (t)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a)
WHERE $view IN m.views AND m.flops_forward IS NOT NULL
WITH t.name AS task, m.model_type AS model_type, m.flops_forward AS flops_forward,
     m.flops_per_token AS flops_per_token, m.flops_method AS flops_method, m.reference_input AS reference_input,
     m.weight_bytes_bf16 AS weight_bytes_bf16, m.total_params AS total_params, count(m) AS models,
     min(m.id) AS example_model
RETURN task, example_model, models, model_type, flops_forward, flops_per_token, flops_method, reference_input,
       weight_bytes_bf16, total_params
ORDER BY task, flops_per_token DESC, example_model;
