// title: Component adoption per task
// answers: What share of each task's models uses each component (grouped-query attention, RMSNorm, pre-norm, gated feed-forward, mixture-of-experts, rotary positions, state-space mixers, tied embeddings, ...)? Components come from `nnstruct components` (one detection per distinct tree); a model counts its architecture's components.
// params: {view: 'none', tasks: null}
// render: heatmap x=component y=task value=share format=pct top=40 title="Share of each task's models using a component"
//
// Labels: `attention <variant>` (MHA/GQA/MQA/MLA/linear/unknown), `attention <scope>` for sliding / windowed /
// local / reduced / block-sparse attention and `cross-attention`, `norm <variant>` and `norm <placement>-norm`
// (pre/post), `FFN <glu or variant>` (SwiGLU, GeGLU, plain...), `MoE`, `position <variant>`, `mixer <variant>`,
// `embeddings <variant>`.

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
WITH task, collect({a: a, models: models}) AS trees, sum(models) AS task_models
UNWIND trees AS tree
WITH task, task_models, tree.a AS a, tree.models AS models
MATCH (a)-[:HAS_COMPONENT]->(c:Component)
WITH task, task_models, a, models, c,
     CASE c.kind
       WHEN 'attention' THEN 'attention ' + c.variant
       WHEN 'normalisation' THEN 'norm ' + c.variant
       WHEN 'feed_forward' THEN 'FFN ' + coalesce(c.glu, c.variant)
       WHEN 'mixture_of_experts' THEN 'MoE'
       WHEN 'position' THEN 'position ' + c.variant
       WHEN 'token_mixer' THEN 'mixer ' + c.variant
       WHEN 'embeddings' THEN 'embeddings ' + c.variant
       ELSE c.kind + ' ' + c.variant END AS main
WITH task, task_models, a, models,
     [main]
     + CASE WHEN c.kind = 'attention' AND c.scope IS NOT NULL AND c.scope <> 'global'
            THEN ['attention ' + c.scope] ELSE [] END
     + CASE WHEN c.kind = 'attention' AND c.role = 'cross' THEN ['cross-attention'] ELSE [] END
     + CASE WHEN c.kind = 'normalisation' AND c.placement IN ['pre', 'post']
            THEN ['norm ' + c.placement + '-norm'] ELSE [] END AS labels
UNWIND labels AS component
WITH DISTINCT task, task_models, component, a, models
RETURN task, component, sum(models) AS models, task_models,
       round(toFloat(sum(models)) / task_models, 4) AS share
ORDER BY task, share DESC, component;
