// title: Compute per parameter: the most and least compute-hungry architectures per task
// answers: Per task, which architectures run the fewest and the most forward-pass FLOPs per token for each parameter they hold?
// params: {view: 'none', tasks: null, n: 5}
// render: table rows=60
//
// A dense transformer runs about 2 FLOPs per parameter per token (one multiply-add per weight) plus its attention
// matmuls; mixtures of experts run fewer (only the routed experts), convolutions and patch embeddings reuse
// their weights over positions and run more. Each distinct architecture once per task, with one example model.

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND a.flops_per_token > 0 AND a.total_params > 0
WITH t.name AS task, a, ta.example AS example
WITH task, a, example, a.flops_per_token / a.total_params AS flops_per_param
ORDER BY task, flops_per_param
WITH task, collect({architecture: a.root_class, example: example, flops_per_param: flops_per_param,
                    flops_per_token: a.flops_per_token, total_params: a.total_params,
                    method: a.flops_method}) AS ranked
UNWIND range(0, size(ranked) - 1) AS i
WITH task, ranked, i
WHERE i < $n OR i >= size(ranked) - $n
RETURN task, CASE WHEN i < $n THEN 'fewest' ELSE 'most' END AS end, i + 1 AS rank, size(ranked) AS architectures,
       ranked[i].architecture AS architecture, ranked[i].example AS example,
       round(ranked[i].flops_per_param, 3) AS flops_per_token_per_param, ranked[i].flops_per_token AS flops_per_token,
       ranked[i].total_params AS total_params, ranked[i].method AS flops_method
ORDER BY task, rank;
