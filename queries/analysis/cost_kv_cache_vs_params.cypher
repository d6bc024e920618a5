// title: KV cache per token against parameters (text generation)
// answers: How much KV cache does a token of context cost against the model's size, and how do grouped-query, sliding-window, latent-attention and state-space designs compare? One row per distinct figure: `models` is how many models share it (the box chart counts each), `example_model` one of them.
// params: {view: 'none', tasks: null}
// render: scatter x=total_params y=kv_cache_bf16_bytes_per_token series=design top=6 log=both name=kv_cache_vs_params title="KV cache per token of context (bf16) against parameters, text-generation models"
// render: | box x=design y=kv_cache_bf16_bytes_per_billion_params weight=models log=true sort=median name=kv_cache_per_param_by_design title="KV cache per token per billion parameters (bf16), by attention design"
//
// Without $tasks: text-generation. Bytes are normalised to bf16 (2 bytes per value) whatever the config's dtype, so models compare. Per token
// while the context fits every sliding window; past it the windowed layers stop growing (Model.
// kv_cache_global_bytes_per_token). State-space models keep a constant state per sequence instead (no point on
// the log scale: see state_bf16_bytes_per_sequence in the CSV).

MATCH (t:Task)-[:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE t.name IN coalesce($tasks, ['text-generation']) AND a.flops_method IS NOT NULL
MATCH (t)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a)
WHERE $view IN m.views AND m.kv_cache_bytes_per_token IS NOT NULL
WITH t, m, CASE m.torch_dtype WHEN 'bf16' THEN 2.0 WHEN 'fp16' THEN 2.0 WHEN 'int8' THEN 1.0 ELSE 4.0 END AS size
WITH t, m, 2.0 / size AS to_bf16
WITH t.name AS task, m.model_type AS model_type, m.total_params AS total_params,
       CASE
         WHEN m.state_bytes_per_sequence > 0 AND m.kv_cache_bytes_per_token > 0 THEN 'hybrid (attention + state)'
         WHEN m.state_bytes_per_sequence > 0 THEN 'state-space'
         WHEN m.kv_cache_windows IS NOT NULL AND m.kv_cache_global_bytes_per_token > 0 THEN 'local + global'
         WHEN m.kv_cache_windows IS NOT NULL THEN 'sliding window'
         ELSE 'full attention'
       END AS design,
       toInteger(m.kv_cache_bytes_per_token * to_bf16) AS kv_cache_bf16_bytes_per_token,
       toInteger(m.kv_cache_global_bytes_per_token * to_bf16) AS kv_cache_bf16_global_bytes_per_token,
       CASE WHEN m.total_params > 0 THEN m.kv_cache_bytes_per_token * to_bf16 / (m.total_params / 1.0e9) END
         AS kv_cache_bf16_bytes_per_billion_params,
       toInteger(m.state_bytes_per_sequence * to_bf16) AS state_bf16_bytes_per_sequence,
       m.kv_cache_layers AS attention_layers_cached, count(m) AS models, min(m.id) AS example_model
// one row per distinct figure (models of one tree differ at most by dtype, normalised away above)
RETURN task, example_model, models, model_type, total_params, design, kv_cache_bf16_bytes_per_token,
       kv_cache_bf16_global_bytes_per_token, kv_cache_bf16_bytes_per_billion_params, state_bf16_bytes_per_sequence,
       attention_layers_cached
ORDER BY total_params DESC, example_model;
