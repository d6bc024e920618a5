// title: Where compute goes: FLOPs by layer type, per task
// answers: Which layer types do the FLOPs of a task's forward passes run in (a module's own FLOPs = its FLOPs minus its children's), as a share of the task's FLOPs, not a count of modules?
// params: {view: 'none', tasks: null}
// render: heatmap x=layer_type y=task value=share format=pct top=30 sort=value name=flops_by_layer_type_heatmap title="Share of each task's forward-pass FLOPs by layer type (own FLOPs, 30 largest types)"
// render: | bar x=layer_type y=share facet=task top=12 log=false dir=flops_by_layer_type title="Where the FLOPs of {task} go, by layer type (share of the task's FLOPs)"
//
// Each distinct architecture counts once per task (its FLOPs at its reference input, see Model.reference_input),
// so large models weigh more: the share is of compute, not of models. Attention matmuls run in the attention
// modules themselves (their own FLOPs), linear projections in Linear.

MATCH (t:Task)-[:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND a.flops_forward > 0
WITH DISTINCT t, a
MATCH (module:Module {arch_hash: a.hash})
WHERE module.flops > 0
WITH t, module, module.flops - COLLECT { MATCH (module)-[:CHILD]->(c:Module) RETURN sum(coalesce(c.flops, 0)) }[0] AS own
WHERE own > 0
MATCH (module)-[:OF_TYPE]->(l:LayerType)
WITH t.name AS task, l.name AS layer_type, sum(own) AS flops
WITH task, collect({layer_type: layer_type, flops: flops}) AS rows, sum(flops) AS total
UNWIND rows AS row
RETURN task, row.layer_type AS layer_type, row.flops AS flops, toFloat(row.flops) / total AS share
ORDER BY task, share DESC;
