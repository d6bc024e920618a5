// title: Component adoption by creation month
// answers: How did the use of components (GQA, RMSNorm, gated FFNs, MoE, rotary positions...) change across the months the hub says the models were created? Only models with a hub `created_at` date count (the transformers catalogue has none).
// params: {view: 'none', tasks: null}
// render: heatmap x=month y=component value=share format=pct title="Share of models created each month that use a component"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE m.created_at IS NOT NULL AND ($tasks IS NULL OR t.name IN $tasks)
  AND $view IN m.views
WITH DISTINCT m, a, substring(toString(m.created_at), 0, 7) AS month
WITH month, collect({m: m, a: a}) AS rows, count(*) AS month_models
UNWIND rows AS row
WITH month, month_models, row.m AS m, row.a AS a
MATCH (a)-[:HAS_COMPONENT]->(c:Component)
WHERE c.variant <> 'unknown'
WITH month, month_models, m,
     CASE c.kind
       WHEN 'attention' THEN 'attention ' + c.variant
       WHEN 'normalisation' THEN 'norm ' + c.variant
       WHEN 'feed_forward' THEN 'FFN ' + coalesce(c.glu, c.variant)
       WHEN 'mixture_of_experts' THEN 'MoE'
       WHEN 'position' THEN 'position ' + c.variant
       WHEN 'token_mixer' THEN 'mixer ' + c.variant
       ELSE 'embeddings ' + c.variant END AS component
WITH DISTINCT month, month_models, component, m
RETURN month, component, count(m) AS models, month_models, round(toFloat(count(m)) / month_models, 4) AS share
ORDER BY month, share DESC, component;
