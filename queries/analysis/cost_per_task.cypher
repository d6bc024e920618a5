// title: FLOPs per token and weight memory per task
// answers: How much compute per token and how much weight memory do the models of each task need? One row per task and architecture: `models` is how many models it stands for (the charts count each), `example_model` the most downloaded of them.
// params: {view: 'none', tasks: null}
// render: box x=task y=flops_per_token weight=models top=60 log=true sort=median name=flops_per_token_per_task title="Forward-pass FLOPs per token (or image patch) at the reference input, by task"
// render: | box x=task y=weight_bytes_bf16 weight=models top=60 log=true sort=median name=weight_memory_per_task title="Weight memory at bf16 (bytes, tied weights once), by task"
//
// FLOPs per token: the forward pass at the architecture's reference input (Architecture.reference_input)
// divided by its tokens (text tokens, encoder + decoder; image patches for patch-based vision models); models
// whose input has no token count (audio, convolutional vision) have none and are left out of that chart. The
// figures are the tree's, counted once with the first config built for it: a model of the same tree whose config
// gives another reference length (a shorter max_position_embeddings) has its own on Model (`nnstruct cost`).

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND a.flops_forward IS NOT NULL
OPTIONAL MATCH (m:Model {id: ta.example})
RETURN t.name AS task, ta.example AS example_model, ta.models AS models, m.model_type AS model_type,
       a.flops_forward AS flops_forward, a.flops_per_token AS flops_per_token, a.flops_method AS flops_method,
       a.reference_input AS reference_input, a.weight_bytes_bf16 AS weight_bytes_bf16, a.total_params AS total_params,
       a.hash AS architecture
ORDER BY task, flops_per_token DESC, example_model;
