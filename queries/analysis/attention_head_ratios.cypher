// title: Attention head ratios
// answers: How many models use multi-head attention, and which query/key-value head ratios do grouped-query models use (4:1, 8:1, ...)? Self-attention only; a model with several kinds of attention layers counts once per kind.
// params: {view: 'none', tasks: null}
// render: bar x=head_ratio y=models top=20 title="Self-attention by query/key-value head ratio (models)"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
MATCH (a)-[:HAS_COMPONENT]->(c:Component {kind: 'attention', role: 'self'})
WITH DISTINCT t, a, ta.models AS models, CASE c.variant
       WHEN 'MHA' THEN '1:1 (MHA)'
       WHEN 'GQA' THEN c.ratio_label + ' (GQA)'
       WHEN 'MQA' THEN 'all:1 (MQA)'
       ELSE c.variant END AS head_ratio
RETURN head_ratio, sum(models) AS models
ORDER BY models DESC, head_ratio;
