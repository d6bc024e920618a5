// title: FLOPs per token and weight memory per task
// answers: How much compute per token and how much weight memory do the models of each task need?
// params: {view: 'none', tasks: null}
// render: box x=task y=flops_per_token top=60 log=true sort=median name=flops_per_token_per_task title="Forward-pass FLOPs per token (or image patch) at the reference input, by task"
// render: | box x=task y=weight_bytes_bf16 top=60 log=true sort=median name=weight_memory_per_task title="Weight memory at bf16 (bytes, tied weights once), by task"
//
// FLOPs per token: the forward pass at the model's reference input (Model.reference_input) divided by its
// tokens (text tokens, encoder + decoder; image patches for patch-based vision models); models whose input has
// no token count (audio, convolutional vision) have none and are left out of that chart.

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND $view IN m.views AND m.flops_forward IS NOT NULL
RETURN t.name AS task, m.id AS model, m.model_type AS model_type, m.flops_forward AS flops_forward,
       m.flops_per_token AS flops_per_token, m.flops_method AS flops_method, m.reference_input AS reference_input,
       m.weight_bytes_bf16 AS weight_bytes_bf16, m.total_params AS total_params
ORDER BY task, flops_per_token DESC, model;
