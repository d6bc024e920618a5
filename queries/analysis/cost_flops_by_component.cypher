// title: Where compute goes: FLOPs by component, per task
// answers: What share of each task's forward-pass FLOPs runs in each component (MHA/GQA/MLA attention, gated or plain feed-forward, mixture-of-experts blocks, state-space mixers, ...)? Components come from component detection; FLOPs from the cost ingest stores.
// params: {view: 'none', tasks: null}
// render: heatmap x=component y=task value=share format=pct top=25 name=flops_by_component_heatmap title="Share of each task's forward-pass FLOPs in each component"
//
// A component's FLOPs are those of the outermost modules realising it (REALISES; e.g. the attention modules, not
// also their key/value projections), children included. Feed-forward networks inside experts are also in their
// mixture-of-experts block, so a task's shares can add up to more than 1. Each distinct architecture counts once
// per task; the share is of the sum of those architectures' `flops_forward`.

MATCH (t:Task)-[:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND a.flops_forward > 0
WITH DISTINCT t.name AS task, a
WITH task, collect(a) AS trees, sum(a.flops_forward) AS total
UNWIND trees AS a
// from the tree's own modules (indexed by arch_hash): a Component is shared by every tree that has it
MATCH (module:Module {arch_hash: a.hash})-[:REALISES]->(c:Component)
WHERE c.kind IN ['attention', 'feed_forward', 'mixture_of_experts', 'token_mixer'] AND module.flops > 0
  AND NOT (c.kind = 'token_mixer' AND c.variant = 'attention')  // the attention components count it
WITH task, total, a, c, collect(module) AS modules, min(module.depth) AS top
WITH task, total, c,
     CASE c.kind
       WHEN 'attention' THEN 'attention ' + c.variant + CASE WHEN c.role = 'cross' THEN ' (cross)' ELSE '' END
       WHEN 'feed_forward' THEN 'FFN ' + coalesce(c.glu, c.variant)
                                + CASE WHEN c.in_experts THEN ' (experts)' ELSE '' END
       WHEN 'mixture_of_experts' THEN 'MoE block'
       ELSE 'mixer ' + c.variant END AS component,
     reduce(flops = 0, x IN [module IN modules WHERE module.depth = top] | flops + x.flops) AS flops
WITH task, total, component, sum(flops) AS flops
RETURN task, component, flops, round(toFloat(flops) / total, 4) AS share
ORDER BY task, share DESC, component;
