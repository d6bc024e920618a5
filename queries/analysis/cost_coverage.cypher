// title: How FLOPs were counted: forward pass or analytic, and why
// answers: For how many distinct built architectures did the meta-device forward pass run, and what stopped it for the rest?
// params: {view: 'none', tasks: null}
// render: table rows=40
//
// flops_method = forward: FlopCounterMode on a forward pass on the meta device; analytic: counted from the module
// shapes, with the forward pass's error as flops_reason. Architectures ingested with --no-cost have no method.

MATCH (t:Task)-[:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH DISTINCT a
WITH count(a) AS architectures, collect(a) AS all
UNWIND all AS a
WITH architectures, coalesce(a.flops_method, 'none') AS method,
     CASE WHEN a.flops_method = 'analytic' THEN left(a.flops_reason, 120) END AS reason
WITH architectures, method, reason, count(*) AS count
RETURN method, reason, count, round(100.0 * count / architectures, 1) AS percent
ORDER BY method DESC, count DESC;
