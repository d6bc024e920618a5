// title: Component adoption by creation month
// answers: How did the use of components (GQA, RMSNorm, gated FFNs, MoE, rotary positions...) change across the months the hub says the models were created? Only models with a hub `created_at` date count (the transformers catalogue has none).
// params: {view: 'none', tasks: null}
// render: heatmap x=month y=component value=share format=pct title="Share of models created each month that use a component"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND size(ta.months) > 0
// the per-task counts hold each architecture's models per creation month (month_models[i] in months[i])
UNWIND range(0, size(ta.months) - 1) AS i
WITH t, a, ta.months[i] AS month, ta.month_models[i] AS models
WITH month, collect({t: t, a: a, models: models}) AS rows, sum(models) AS month_models
UNWIND rows AS row
WITH month, month_models, row.t AS t, row.a AS a, row.models AS models
MATCH (a)-[:HAS_COMPONENT]->(c:Component)
WHERE c.variant <> 'unknown'
WITH month, month_models, t, a, models,
     CASE c.kind
       WHEN 'attention' THEN 'attention ' + c.variant
       WHEN 'normalisation' THEN 'norm ' + c.variant
       WHEN 'feed_forward' THEN 'FFN ' + coalesce(c.glu, c.variant)
       WHEN 'mixture_of_experts' THEN 'MoE'
       WHEN 'position' THEN 'position ' + c.variant
       WHEN 'token_mixer' THEN 'mixer ' + c.variant
       ELSE 'embeddings ' + c.variant END AS component
WITH DISTINCT month, month_models, component, t, a, models
RETURN month, component, sum(models) AS models, month_models, round(toFloat(sum(models)) / month_models, 4) AS share
ORDER BY month, share DESC, component;
