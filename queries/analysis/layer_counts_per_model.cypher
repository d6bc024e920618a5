// title: Layer counts per model
// answers: How many modules of each layer type does each selected model hold? The spread across a task's models of its 10 most frequent layer types (a model without a type counts 0).
// params: {view: 'none', tasks: null}
// render: box x=layer_type y=modules facet=task group=model fill=0 top=10 dir=boxplot title="Modules per model of the 10 most frequent layer types: {task}"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND CASE $view WHEN 'none' THEN true WHEN 'name' THEN m.rep_name = true
                 WHEN 'architecture' THEN m.rep_architecture = true ELSE false END
MATCH (a)-[u:USES]->(l:LayerType)
RETURN t.name AS task, m.id AS model, l.name AS layer_type, sum(u.modules) AS modules
ORDER BY task, model, modules DESC, layer_type;
