// title: Mixture-of-experts configurations
// answers: How many experts do mixture-of-experts models route between, how many per token, and with how many shared experts?
// params: {view: 'none', tasks: null}
// render: bar x=configuration y=models top=25 title="Mixture-of-experts: experts, experts per token, shared experts (models)"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
MATCH (a)-[:HAS_COMPONENT]->(c:Component {kind: 'mixture_of_experts'})
WITH DISTINCT t, a, ta.models AS models, c.experts AS experts, c.top_k AS top_k, coalesce(c.shared, 0) AS shared
RETURN toString(experts) + ' experts, top-' + coalesce(toString(top_k), '?')
       + CASE WHEN shared > 0 THEN ', ' + toString(shared) + ' shared' ELSE '' END AS configuration,
       experts, top_k, shared, sum(models) AS models
ORDER BY models DESC, experts DESC;
